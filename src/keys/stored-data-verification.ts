/**
 * `npm run keys:verify`: opens every sealed value and every wrapped data key of the database,
 * in keyset batches of rows, one short READ ONLY admin transaction per batch, and reports each
 * one that does not open by dataset, key and column (never a value). A batch whose values all
 * open costs one statement; only a failing batch is examined value by value
 * (smartretail.unopenable_values, which opens through the views and so does not depend on the
 * stored format). A living row without a data key is reported too: the views leave it out, so
 * no read would ever say it is gone.
 */
import type { PoolClient } from 'pg';
import { DatasetCatalog } from '../catalog/dataset-catalog';
import type { DatasetSpec } from '../catalog/dataset.types';
import { recordVisibility } from '../catalog/record-visibility';
import { RoleScopedTransactions } from '../database/role-scoped-transactions';
import { ERASED_AT_COLUMN, sqlName } from '../database/schema/sql-names';
import { ident } from '../database/sql-identifier';
import { describeUnopenableRow, findUnopenableRows } from '../database/unopenable-values';

export interface VerificationProgress {
  dataset: string;
  rows: number;
  values: number;
}

export interface VerificationOutcome {
  rows: number;
  values: number;
  dataKeys: number;
  /** One line per value or data key that does not open. */
  problems: string[];
}

interface BatchRow {
  key: number;
  value_count: number;
  has_key: boolean;
}

export class StoredDataVerification {
  constructor(
    private readonly transactions: RoleScopedTransactions,
    private readonly catalog: DatasetCatalog,
  ) {}

  async run(
    batchSize: number,
    onProgress: (p: VerificationProgress) => void = () => undefined,
  ): Promise<VerificationOutcome> {
    const outcome: VerificationOutcome = { rows: 0, values: 0, dataKeys: 0, problems: [] };
    for (const spec of this.catalog.all().filter((s) => this.catalog.hasPersonalData(s))) {
      let after = 0;
      const seen = { dataset: spec.name, rows: 0, values: 0 };
      for (;;) {
        const batch = await this.transactions.run(
          { role: 'admin', readOnly: true, keys: 'encryption', statementTimeoutMs: 0 },
          (client) => this.verifyBatch(client, spec, after, batchSize),
        );
        if (!batch.rows.length) break;
        after = batch.rows[batch.rows.length - 1].key;
        seen.rows += batch.rows.length;
        seen.values += batch.rows.reduce((n, r) => n + r.value_count, 0);
        outcome.dataKeys += batch.rows.filter((r) => r.has_key).length;
        outcome.problems.push(...batch.problems);
        onProgress({ ...seen });
      }
      outcome.rows += seen.rows;
      outcome.values += seen.values;
    }
    return outcome;
  }

  private async verifyBatch(
    client: PoolClient,
    spec: DatasetSpec,
    after: number,
    size: number,
  ): Promise<{ rows: BatchRow[]; problems: string[] }> {
    const pk = ident(spec.primaryKey);
    const personal = this.catalog.personalColumns(spec).map((c) => sqlName(c.name));
    // Erased subjects' tombstones hold no value and no key: nothing to open.
    const { rows } = await client.query<BatchRow>(
      `SELECT t.${pk} AS key, num_nonnulls(${personal.map((c) => `t.${c}`).join(', ')}) AS value_count,
              EXISTS (SELECT 1 FROM smartretail.client_keys ck WHERE ck.client_id = t.${pk}) AS has_key
         FROM ${ident(spec.table)} t
        WHERE t.${pk} > $1 AND t.${ident(ERASED_AT_COLUMN)} IS NULL
        ORDER BY t.${pk}
        LIMIT $2`,
      [after, size],
    );
    const problems = rows
      .filter((r) => !r.has_key)
      .map(
        (r) =>
          `${spec.name} ${spec.primaryKey}=${r.key}: has no data key (smartretail.client_keys), so none of its values opens and no read shows it`,
      );
    const source = {
      spec,
      view: this.catalog.decryptedView(spec),
      columns: recordVisibility.visibleColumns(spec, 'admin'),
    };
    const unopenable = await findUnopenableRows(
      client,
      source,
      rows.filter((r) => r.has_key).map((r) => r.key),
    );
    problems.push(...unopenable.map((row) => describeUnopenableRow(spec, row)));
    return { rows, problems };
  }
}
