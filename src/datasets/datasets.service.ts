/**
 * The read API's logic: resolve the dataset and the caller's view from the catalog, run the
 * query in one transaction under the caller's own database role, and audit clear personal data
 * in that same transaction, whatever the format.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AuditRepository } from '../audit/audit.repository';
import { Caller } from '../auth/caller';
import { DatasetCatalog, SQL_TYPES } from '../catalog/dataset-catalog';
import { DatasetSpec } from '../catalog/dataset.types';
import { recordVisibility, RECORD_ACCESS } from '../catalog/record-visibility';
import { forbidden, notFound } from '../common/domain-error';
import { IntegrityFailureReporter } from '../database/integrity-failure-reporter';
import { RoleScopedTransactions, SessionKeys } from '../database/role-scoped-transactions';
import { DEFAULT_PAGE_SIZE } from '../common/query/page-size';
import { AppConfig } from '../config/app-config';
import { isStatementTimeout, statementTimedOut } from '../database/database-unavailable';
import {
  CountMode,
  DatasetsRepository,
  RecordCount,
  RecordRow,
  STREAM_BATCH_ROWS,
} from './datasets.repository';
import { RecordSource } from './record-sql';
import {
  parseRecordQuery,
  parseSingleRecordQuery,
  RecordQuery,
  usableParameters,
} from './record-query';
import { RecordRequest } from './record-format';
import {
  Auditor,
  contentRangeHeaders,
  CsvFailure,
  jsonPage,
  RecordAnswer,
  streamCsv,
} from './record-responses';
import { DatasetCatalogEntryDto } from './dto/dataset-catalog.dto';
import { ExpensiveReadLimiter } from './expensive-read-limiter';

@Injectable()
export class DatasetsService {
  private readonly logger = new Logger('DatasetsService');

  constructor(
    private readonly catalog: DatasetCatalog,
    private readonly transactions: RoleScopedTransactions,
    private readonly records: DatasetsRepository,
    private readonly audit: AuditRepository,
    private readonly integrity: IntegrityFailureReporter,
    private readonly expensiveReads: ExpensiveReadLimiter,
    private readonly config: AppConfig,
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
        orderBy: recordVisibility.canReadRecords(caller.role)
          ? recordVisibility.orderableColumns(spec).map((c) => c.name)
          : [],
      },
    }));
  }

  /**
   * A page as JSON, or the rows as a CSV stream. Both run in one REPEATABLE READ transaction:
   * the count, the audited ids and the rows are read from one snapshot.
   */
  async list(
    caller: Caller,
    dataset: string,
    raw: Record<string, unknown>,
    request: RecordRequest,
  ): Promise<RecordAnswer> {
    const { spec, view, columns } = this.sourceFor(caller, dataset);
    const query = parseRecordQuery(spec, caller.role, raw);
    const selected = query.select
      ? query.select.map((name) => columns.find((c) => c.name === name)!)
      : columns;
    const source: RecordSource = { spec, view, columns: selected };
    const count = (client: PoolClient): Promise<RecordCount | undefined> =>
      request.count ? this.count(client, source, query, request.count) : Promise.resolve(undefined);
    // An exact count reads every matching row; a CSV without limit streams the whole dataset.
    const expensive =
      request.count === 'exact' || (request.format === 'csv' && query.limit === undefined);
    const bounded = <T>(read: () => Promise<T>): Promise<T> =>
      expensive ? this.expensiveReads.run(caller, read) : read();
    if (request.format === 'csv') {
      return streamCsv(
        this.records,
        source,
        query,
        // The slot is held until the transaction ends, that is until the last row is sent.
        (work) => bounded(() => this.inTransaction(caller, spec, work)),
        count,
        this.csvFailure(caller, source, query),
      );
    }
    const { body, served, counted } = await bounded(() =>
      this.inTransaction(caller, spec, async (client, audit) => {
        const result = await jsonPage(this.records, client, source, query);
        if (audit) await audit(client, result.served);
        return { ...result, counted: await count(client) };
      }),
    ).catch(async (error: unknown) => {
      // The page read limit + 1 rows, to know whether another page follows.
      const rows = (query.limit ?? DEFAULT_PAGE_SIZE) + 1;
      throw await this.explain(error, caller, source, (client) =>
        this.records.windowIds(client, source, query, 0, rows),
      );
    });
    return {
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        ...contentRangeHeaders(counted, served.length),
      },
      body,
    };
  }

  /**
   * The count of a listing, on the dataset's countable view when it has one (the same rows,
   * no value opened). An exact count runs under EXPENSIVE_READ_TIMEOUT_MS; past it the answer
   * is a 503 that says which limit was hit and what to ask for instead.
   */
  private count(
    client: PoolClient,
    source: RecordSource,
    query: RecordQuery,
    mode: CountMode,
  ): Promise<RecordCount> {
    const counted = { ...source, view: this.catalog.countableView(source.spec) ?? source.view };
    if (mode !== 'exact') return this.records.count(client, counted, query, mode);
    const timeoutMs = this.config.expensiveReadTimeoutMs;
    return this.records.count(client, counted, query, mode, timeoutMs).catch((error: unknown) => {
      if (!isStatementTimeout(error)) throw error;
      throw statementTimedOut(
        `the exact count took longer than EXPENSIVE_READ_TIMEOUT_MS (${timeoutMs} ms) allows and was cancelled; ask for Prefer: count=planned (the planner's estimate), narrow the filters, or retry later`,
        { expensiveReadTimeoutMs: timeoutMs },
      );
    });
  }

  async get(
    caller: Caller,
    dataset: string,
    id: number,
    raw: Record<string, unknown>,
  ): Promise<RecordRow> {
    const all = this.sourceFor(caller, dataset);
    const { select } = parseSingleRecordQuery(all.spec, caller.role, raw);
    const source: RecordSource = select
      ? { ...all, columns: select.map((name) => all.columns.find((c) => c.name === name)!) }
      : all;
    const row = await this.inTransaction(caller, source.spec, async (client, audit) => {
      const found = await this.records.byId(client, source, id);
      if (audit) await audit(client, found ? [id] : []);
      return found;
    }).catch(async (error: unknown) => {
      throw await this.explain(error, caller, source, () => Promise.resolve([id]));
    });
    if (!row) throw notFound(`${source.spec.name} has no record ${id}`);
    return row;
  }

  /**
   * A CSV read that failed: before the answer, the error becomes the answer; after it, the
   * stream is cut, and the log says after how many rows and why.
   */
  private csvFailure(caller: Caller, source: RecordSource, query: RecordQuery): CsvFailure {
    return async (error, rows, answered) => {
      const batch = Math.min(STREAM_BATCH_ROWS, (query.limit ?? Infinity) - rows);
      const after = answered
        ? `(the CSV of ${source.spec.name} was cut after ${rows} row(s))`
        : undefined;
      const answer = await this.explain(
        error,
        caller,
        source,
        (client) => this.records.windowIds(client, source, query, rows, batch),
        after,
      );
      if (answered && answer === error) {
        const why = error instanceof Error ? error.message : String(error);
        this.logger.error(`[${caller.requestId}] ${after}: ${why}`);
      }
      return answer;
    };
  }

  private explain(
    error: unknown,
    caller: Caller,
    source: RecordSource,
    rowKeys: (client: PoolClient) => Promise<readonly number[]>,
    after?: string,
  ): Promise<unknown> {
    return this.integrity.explain(error, {
      source,
      role: caller.role,
      keys: this.keysFor(source.spec, caller),
      requestId: caller.requestId,
      rowKeys,
      after,
    });
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
   * `work` gets the auditor for those reads, and must call it with the ids it serves before
   * anything leaves (so no audited data is sent without its row).
   */
  private inTransaction<T>(
    caller: Caller,
    spec: DatasetSpec,
    work: (client: PoolClient, audit: Auditor) => Promise<T>,
  ): Promise<T> {
    const audited = recordVisibility.exposesClearPersonalData(spec, caller.role);
    const audit: Auditor = audited
      ? (client, ids) => this.audit.recordPersonalRead(client, spec.name, ids, caller)
      : undefined;
    return this.transactions.run(
      {
        role: caller.role,
        readOnly: !audited,
        repeatableRead: true,
        claims: caller.claims,
        keys: this.keysFor(spec, caller),
        // Plain queries only (the CSV stream's cursor is DECLARE/FETCH), so one round trip less.
        pipelined: true,
      },
      (client) => work(client, audit),
    );
  }
}
