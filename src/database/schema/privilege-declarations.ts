/**
 * Who may do what on the database objects that are not derived from the catalog: the import
 * history, the audit log, the KPI views and the functions of the `smartretail` schema. Together
 * with the catalog-derived grants (grants.renderer.ts) this is every privilege any role holds;
 * `npm run schema:check` fails on an object of the public or smartretail schema declared nowhere.
 *
 * Roles (created in migrations/1795564804000-CreateRolesAndGrants.ts): app_user logs in and
 * holds nothing of its own; admin, writer and analyst are what it switches to per transaction;
 * grafana reads aggregate views only.
 */
import type { DatabaseRole } from '../../auth/database-role';

export type Grantee = DatabaseRole | 'grafana' | 'app_user';
export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** Every grantee the rendered SQL manages: it revokes from all of them before granting. */
export const MANAGED_GRANTEES = ['PUBLIC', 'admin', 'writer', 'analyst', 'grafana', 'app_user'];

export interface RelationPrivileges {
  /** As written in SQL: `clients`, `smartretail.key_check_values`. */
  relation: string;
  grants: Partial<Record<Grantee, readonly TablePrivilege[]>>;
  /** Column-level SELECT, for roles that may read some columns only. */
  columnSelect?: Partial<Record<Grantee, readonly string[]>>;
}

export interface FunctionPrivileges {
  /** As `regprocedure` prints it with search_path = pg_catalog. */
  signature: string;
  execute: readonly Grantee[];
}

const KEY_HOLDERS: readonly Grantee[] = ['admin', 'writer', 'analyst'];

const KPI_VIEWS = [
  'kpi_stores',
  'kpi_revenue_daily',
  'kpi_line_sales_daily',
  'kpi_product_sales_daily',
  'kpi_basket_daily',
  'kpi_footfall_hourly',
  'kpi_conversion_daily',
  'kpi_stock_alerts',
  'kpi_data_quality_daily',
  'kpi_orphan_lines',
];

export const SERVICE_RELATIONS: readonly RelationPrivileges[] = [
  // The importer records runs as writer; admin reads them.
  {
    relation: 'import_runs',
    grants: { admin: ['SELECT'], writer: ['SELECT', 'INSERT', 'UPDATE'] },
  },
  {
    relation: 'import_rejections',
    grants: { admin: ['SELECT'], writer: ['SELECT', 'INSERT', 'UPDATE'] },
  },
  // Written only through smartretail.audit_personal_read (SECURITY DEFINER).
  { relation: 'audit_log', grants: { admin: ['SELECT'] } },
  // Aggregates without any client column: dashboards and the KPI API.
  ...KPI_VIEWS.map((relation): RelationPrivileges => ({
    relation,
    grants: { admin: ['SELECT'], analyst: ['SELECT'], grafana: ['SELECT'] },
  })),
  // The owner's alone: TypeORM's bookkeeping, and the key check values (reached through
  // SECURITY DEFINER functions that never return them).
  { relation: 'migrations', grants: {} },
  { relation: 'smartretail.key_check_values', grants: {} },
  // Per-client data keys, wrapped (1795564920000-EnvelopeEncryption.ts): writers create them
  // (importer, trigger), only admin destroys one (erasure) or re-wraps it (keys:rotate).
  {
    relation: 'smartretail.client_keys',
    grants: { admin: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], writer: ['SELECT', 'INSERT'] },
  },
  // Check values per master-key version; retired through retire_master_key_versions().
  { relation: 'smartretail.master_key_versions', grants: { admin: ['SELECT'] } },
  // Reinstatement authorisations (1795564960000-EnforceErasureInDatabase.ts): written by
  // reinstate_clients, read by reinstatement_authorized, both SECURITY DEFINER.
  { relation: 'smartretail.reinstatements', grants: {} },
];

export const SERVICE_FUNCTIONS: readonly FunctionPrivileges[] = [
  // Called as the invoker by the triggers and views, so every role handed the keys needs them.
  { signature: 'smartretail.encryption_key()', execute: KEY_HOLDERS },
  // analyst computes no blind index (1795564881000-RevokeBlindIndexKeyFromAnalyst.ts).
  { signature: 'smartretail.blind_index_key()', execute: ['admin', 'writer'] },
  { signature: 'smartretail.blind_index(text)', execute: KEY_HOLDERS },
  { signature: 'smartretail.pii_digest(text[])', execute: KEY_HOLDERS },
  { signature: 'smartretail.is_iso_date(text)', execute: KEY_HOLDERS },
  // Envelope encryption (1795564920000-EnvelopeEncryption.ts): reading needs the unwrap chain,
  // writing also wraps and creates data keys.
  { signature: 'smartretail.missing_encryption_key()', execute: KEY_HOLDERS },
  { signature: 'smartretail.encryption_key_version()', execute: KEY_HOLDERS },
  { signature: 'smartretail.missing_master_key(integer)', execute: KEY_HOLDERS },
  { signature: 'smartretail.master_key(integer)', execute: KEY_HOLDERS },
  // Sealed values (1795564940000-SealPersonalValues.ts), bound to their client with their data
  // keys (1795564970000-BindValuesToTheirClient.ts): the trigger writes, the views open.
  ...[
    'data_key(integer,bytea,integer)',
    'unopenable_data_key(integer)',
    'value_keys(bytea)',
    // Computes with the keys it is given, nothing more; readiness seals a probe as analyst.
    'seal_block(bytea,bytea,bytea)',
    'is_sealed(bytea)',
    'value_tag(bytea,bytea,integer,text)',
    'unopenable_value(integer,text)',
    'open_value(bytea,bytea,integer,text)',
    'unwrapped_value_keys(integer,bytea,integer)',
  ].map((f): FunctionPrivileges => ({ signature: `smartretail.${f}`, execute: KEY_HOLDERS })),
  ...['clear_text(bytea,bytea,bytea,integer,text)', 'needs_sealing(bytea,bytea)'].map(
    (f): FunctionPrivileges => ({
      signature: `smartretail.${f}`,
      execute: ['admin', 'writer'],
    }),
  ),
  // Integrity diagnosis (1795564985000-FindUnopenableValues.ts): which stored values of some
  // rows do not open, never the values; the readers of personal views call it on a failed read.
  {
    signature: 'smartretail.unopenable_values(text,text,text[],integer[])',
    execute: ['admin', 'analyst'],
  },
  { signature: 'smartretail.wrap_data_key(integer,bytea)', execute: ['admin', 'writer'] },
  { signature: 'smartretail.client_data_key(integer)', execute: ['admin', 'writer'] },
  { signature: 'smartretail.retire_master_key_versions()', execute: ['admin'] },
  // Key check values (1795564830000-CreateKeyCheckValues.ts).
  { signature: 'smartretail.key_check_value(text,text)', execute: [] },
  { signature: 'smartretail.session_key_status()', execute: KEY_HOLDERS },
  { signature: 'smartretail.assert_session_keys(text)', execute: ['admin', 'writer'] },
  { signature: 'smartretail.refuse_wrong_session_keys()', execute: [] },
  { signature: 'smartretail.blind_index_for_lookup(text)', execute: ['admin'] },
  { signature: 'smartretail.enrol_or_verify_session_keys()', execute: ['admin'] },
  { signature: 'smartretail.applied_migrations()', execute: ['admin', 'analyst'] },
  { signature: 'smartretail.audit_personal_read(text,integer[],uuid,text)', execute: ['admin'] },
  {
    signature: 'smartretail.audit_personal_action(text,text,integer[],uuid,text)',
    execute: ['admin'],
  },
  // Trigger functions fire without any EXECUTE grant.
  { signature: 'smartretail.forbid_audit_change()', execute: [] },
  // Erasure enforced in the database (1795564960000-EnforceErasureInDatabase.ts): the one way
  // back from a tombstone is admin's, audited; the triggers of admin and writer ask whether this
  // transaction holds that authorisation.
  { signature: 'smartretail.reinstate_clients(integer[],uuid,text)', execute: ['admin'] },
  { signature: 'smartretail.reinstatement_authorized(integer)', execute: ['admin', 'writer'] },
  { signature: 'smartretail.refuse_keys_of_erased_clients()', execute: [] },
  // Purchase dates not ahead of today (1795564983000-RefuseImplausiblePurchaseDates.ts).
  { signature: 'smartretail.refuse_future_purchase_date()', execute: [] },
  // Retention (1795564911000-CreateRetentionPurge.ts): bounded batches, admin only.
  ...['purge_audit_log', 'purge_import_rejections', 'purge_import_runs'].map(
    (name): FunctionPrivileges => ({
      signature: `smartretail.${name}(timestamp with time zone,integer)`,
      execute: ['admin'],
    }),
  ),
];

/** pgcrypto's functions: the roles that encrypt, decrypt or hash through the helpers above. */
export const PGCRYPTO_EXECUTE: readonly Grantee[] = KEY_HOLDERS;

export const SCHEMA_USAGE: Readonly<Record<string, readonly Grantee[]>> = {
  public: ['admin', 'writer', 'analyst', 'grafana'],
  smartretail: ['admin', 'writer', 'analyst'],
};
