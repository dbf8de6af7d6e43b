/**
 * The two shapes of a records answer: a JSON page (serialised by PostgreSQL, with the next
 * cursor) and a CSV stream (the same rows, from a server-side cursor, without a page limit
 * unless `limit` is given), plus the Content-Range of a counted answer.
 */
import { PassThrough, Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { spreadsheetSafeCell } from '../common/csv-cell';
import { encodeOrderedCursor } from '../common/keyset-cursor';
import { DatasetsRepository, RecordCount, RecordRow } from './datasets.repository';
import { RecordQuery } from './record-query';
import { RecordSource } from './record-sql';

/** What the controller sends: headers, and a body that is JSON text or a CSV stream. */
export interface RecordAnswer {
  headers: Record<string, string>;
  body: string | Readable;
}

/** Writes the audit row of the records served; undefined when the read exposes nothing personal. */
export type Auditor = ((client: PoolClient, ids: number[]) => Promise<void>) | undefined;

export type InTransaction = (
  work: (client: PoolClient, audit: Auditor) => Promise<void>,
) => Promise<void>;

/**
 * `Content-Range: <first>-<last>/<total>` (PostgREST's form, positions counted from 0);
 * `*` for the range when the answer is empty or its size is not known before it is streamed.
 * A planner estimate is never below what the page itself shows.
 */
export function contentRangeHeaders(
  count: RecordCount | undefined,
  rows: number | undefined,
): Record<string, string> {
  if (!count) return {};
  const shown = count.before + (rows ?? 0);
  const total = count.exact ? count.total : Math.max(count.total, shown);
  const range = rows ? `${count.before}-${shown - 1}` : '*';
  return { 'Content-Range': `${range}/${total}`, 'Preference-Applied': `count=${count.mode}` };
}

/** A page as the JSON text of a RecordPageDto; the items are spliced in as PostgreSQL wrote them. */
export async function jsonPage(
  records: DatasetsRepository,
  client: PoolClient,
  source: RecordSource,
  query: RecordQuery,
): Promise<{ body: string; served: number[] }> {
  const page = await records.page(client, source, query);
  const last = page.ids[page.ids.length - 1];
  const nextCursor =
    page.more && last !== undefined
      ? encodeOrderedCursor(
          source.spec.name,
          { label: query.order.label },
          { id: last, ...(page.lastKey === null ? {} : { key: page.lastKey }) },
        )
      : null;
  const body = `{"dataset":${JSON.stringify(source.spec.name)},"items":${page.itemsJson},"nextCursor":${JSON.stringify(nextCursor)}}`;
  return { body, served: page.ids };
}

const csvLine = (source: RecordSource, row: RecordRow): string =>
  `${source.columns.map((c) => spreadsheetSafeCell(row[c.name] as string | number | null)).join(',')}\r\n`;

/** Resolves true once `chunk` is taken (waiting for drain), false when the stream is gone. */
function write(stream: PassThrough, chunk: string): Promise<boolean> {
  if (stream.destroyed) return Promise.resolve(false);
  if (stream.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (taken: boolean) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      resolve(taken);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}

/**
 * What a failed CSV read becomes: `rows` were already streamed before the batch that failed;
 * `answered` says whether the headers had been sent. Returns the error to answer with.
 */
export type CsvFailure = (error: unknown, rows: number, answered: boolean) => Promise<unknown>;

/**
 * Answers once the transaction has counted, written its audit row (for the exact ids the stream
 * will send, read in the same snapshot) and read the first batch, then keeps the transaction
 * open while the rest streams, as fast as the client reads. A failure before the answer (a
 * value of the first batch that does not open, say) is a clean error answer; after it, the
 * stream is destroyed: the client sees a cut response (curl exit 18, no final chunk), never a
 * CSV that looks complete, and `failed` logs why. A client that leaves stops the stream; the
 * transaction still commits, so its audit row stays.
 */
export function streamCsv(
  records: DatasetsRepository,
  source: RecordSource,
  query: RecordQuery,
  inTransaction: InTransaction,
  count: (client: PoolClient) => Promise<RecordCount | undefined>,
  failed: CsvFailure,
): Promise<RecordAnswer> {
  const body = new PassThrough();
  return new Promise((resolve, reject) => {
    let answered = false;
    let streamed = 0;
    inTransaction(async (client, audit) => {
      const counted = await count(client);
      if (audit) await audit(client, await records.ids(client, source, query));
      const rows =
        counted?.exact === true
          ? Math.min(query.limit ?? Infinity, counted.total - counted.before)
          : undefined;
      const batches = records.batches(client, source, query);
      let next = await batches.next();
      body.write(`${source.columns.map((c) => spreadsheetSafeCell(c.name)).join(',')}\r\n`);
      resolve({
        headers: {
          'Content-Type': 'text/csv; charset=utf-8; header=present',
          'Content-Disposition': `attachment; filename="${source.spec.name}.csv"`,
          ...contentRangeHeaders(counted, rows),
        },
        body,
      });
      answered = true;
      while (!next.done) {
        const batch = next.value;
        if (!(await write(body, batch.map((row) => csvLine(source, row)).join('')))) {
          await batches.return(undefined);
          return;
        }
        streamed += batch.length;
        next = await batches.next();
      }
      body.end();
    }).catch(async (error: unknown) => {
      // Sent whole, then the commit failed (e.g. the service stopping): nothing left to cut.
      if (body.writableEnded) return;
      const answer = await failed(error, streamed, answered);
      const failure = answer instanceof Error ? answer : new Error(String(answer));
      if (answered) body.destroy(failure);
      else reject(failure);
    });
  });
}
