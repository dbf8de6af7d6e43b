/**
 * The read API's logic: resolve the dataset and the caller's view from the catalog, run the
 * query in one transaction under the caller's own database role, and audit clear personal data
 * in that same transaction.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AuditRepository } from '../audit/audit.repository';
import { Caller } from '../auth/caller';
import { DatasetCatalog, SQL_TYPES } from '../catalog/dataset-catalog';
import { DatasetSpec } from '../catalog/dataset.types';
import { recordVisibility, RECORD_ACCESS } from '../catalog/record-visibility';
import { forbidden, notFound } from '../common/domain-error';
import { encodeCursor } from '../common/keyset-cursor';
import { RoleScopedTransactions, SessionKeys } from '../database/role-scoped-transactions';
import { DatasetsRepository, RecordRow } from './datasets.repository';
import { RecordSource } from './record-sql';
import { parseRecordQuery, RecordQuery, usableParameters } from './record-query';
import { DatasetCatalogEntryDto } from './dto/dataset-catalog.dto';

@Injectable()
export class DatasetsService {
  constructor(
    private readonly catalog: DatasetCatalog,
    private readonly transactions: RoleScopedTransactions,
    private readonly records: DatasetsRepository,
    private readonly audit: AuditRepository,
  ) {}

  describeCatalog(caller: Caller): DatasetCatalogEntryDto[] {
    return this.catalog.all().map((spec) => ({
      name: spec.name,
      title: spec.title,
      primaryKey: spec.primaryKey,
      dateColumn: spec.dateColumn ?? null,
      personal: this.catalog.hasPersonalData(spec),
      columns: spec.columns.map((c) => ({
        name: c.name,
        type: c.type,
        sqlType: SQL_TYPES[c.type],
        required: c.required,
        personal: c.personal ?? false,
        references: c.references ? `${c.references.dataset}.${c.references.column}` : null,
        description: c.description,
      })),
      yourAccess: {
        records: RECORD_ACCESS[caller.role],
        columns: recordVisibility.visibleColumns(spec, caller.role).map((v) => ({
          name: v.name,
          type: v.type,
          personal: v.personal,
          derivedFrom: v.derivedFrom ?? null,
        })),
        filters: usableParameters(spec, caller.role),
      },
    }));
  }

  /**
   * A page as the JSON text of a RecordPageDto. The items were serialised by PostgreSQL; they
   * are spliced in as they are rather than parsed and re-serialised (see record-sql.ts).
   */
  async list(caller: Caller, dataset: string, raw: Record<string, unknown>): Promise<string> {
    const source = this.sourceFor(caller, dataset);
    const query: RecordQuery = parseRecordQuery(source.spec, caller.role, raw);
    const page = await this.read(
      caller,
      source,
      (client) => this.records.page(client, source, query),
      (result) => result.ids,
    );
    const last = page.ids[page.ids.length - 1];
    const nextCursor =
      page.more && last !== undefined ? encodeCursor(source.spec.name, last) : null;
    return `{"dataset":${JSON.stringify(source.spec.name)},"items":${page.itemsJson},"nextCursor":${JSON.stringify(nextCursor)}}`;
  }

  async get(caller: Caller, dataset: string, id: number): Promise<RecordRow> {
    const source = this.sourceFor(caller, dataset);
    const row = await this.read(
      caller,
      source,
      (client) => this.records.byId(client, source, id),
      (found) => (found ? [found[source.spec.primaryKey] as number] : []),
    );
    if (!row) throw notFound(`${source.spec.name} has no record ${id}`);
    return row;
  }

  /**
   * Only reads of personal datasets decrypt: analyst's pseudonymised view decrypts the columns
   * it generalises (birth year, sexe, ville), so it needs the encryption key, never the
   * blind-index key (analyst may not look up by e-mail); admin's lookups need both.
   */
  private keysFor(spec: DatasetSpec, caller: Caller): SessionKeys {
    if (!this.catalog.hasPersonalData(spec)) return 'none';
    return caller.role === 'analyst' ? 'encryption' : 'all';
  }

  private sourceFor(caller: Caller, dataset: string): RecordSource {
    const spec: DatasetSpec | undefined = this.catalog.find(dataset);
    if (!spec) throw notFound(`unknown dataset "${dataset.slice(0, 64)}"`);
    const view = recordVisibility.viewFor(spec, caller.role);
    if (!view) throw forbidden(`role ${caller.role} may not read records`);
    return { spec, view, columns: recordVisibility.visibleColumns(spec, caller.role) };
  }

  /**
   * Reads run READ ONLY, except reads of clear personal data: they must insert their audit row
   * in the same transaction, which a READ ONLY transaction refuses (see the audit migration).
   */
  private read<T>(
    caller: Caller,
    source: RecordSource,
    work: (client: PoolClient) => Promise<T>,
    servedIds: (result: T) => number[],
  ): Promise<T> {
    const audited = recordVisibility.exposesClearPersonalData(source.spec, caller.role);
    return this.transactions.run(
      {
        role: caller.role,
        readOnly: !audited,
        claims: caller.claims,
        keys: this.keysFor(source.spec, caller),
      },
      async (client) => {
        const result = await work(client);
        if (audited) {
          const ids = servedIds(result);
          await this.audit.recordPersonalRead(client, source.spec.name, ids, caller);
        }
        return result;
      },
    );
  }
}
