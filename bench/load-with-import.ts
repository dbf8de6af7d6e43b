/**
 * `npm run load -- --with-import`: what a large upload costs the readers, on one service, in one
 * invocation. Three measurements, in this order:
 * 1. the plain load (exactly what `npm run load` measures);
 * 2. a large clients file uploaded alone (no load): the upload's own time;
 * 3. the same load again, with a file of the same size uploaded on the upload connection
 *    `importAfterSeconds` into it (instead of the small periodic uploads, which would only queue
 *    behind it), the reads going on until it is answered.
 * Both large files hold new clients above every loaded id (one range each), so both uploads do
 * the same work: sealing every row, through the product's multipart upload route. The event-loop
 * lag comes from the service's own gauge, scraped once a second during each measurement.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  csvField,
  DEFAULT_SAMPLE_SIZES,
  headerLine,
  sampleRows,
} from '../src/sample-data/sample-data-generator';
import { uploadFile } from './multipart-upload';
import { percentile } from './load-tally';
import { LoadContext, LoadOptions, LoadReport, MeasuredLoad, startLoadService } from './load-run';
import { EventLoopLag, sampleEventLoopLag } from './event-loop-lag-sampler';

export interface WithImportOptions {
  importRows: number;
  importAfterSeconds: number;
}

/** The figures one measurement contributes to the comparison. */
export interface RunFigures {
  seconds: number;
  readsPerSecond: number;
  readP99Ms: number;
  errors: number;
  lag: EventLoopLag;
}

export interface WithImportReport {
  importRows: number;
  importAfterSeconds: number;
  plain: RunFigures;
  withImport: RunFigures;
  upload: {
    aloneSeconds: number;
    withLoadSeconds: number;
    aloneErrors: number;
    aloneLag: EventLoopLag;
  };
  plainReport: LoadReport;
  withImportReport: LoadReport;
}

/** No measurement may last longer than this: a hang bound, not a target. */
const UPLOAD_BOUND_SECONDS = 600;
const UPLOAD_SEED = 4242;

export async function runLoadWithImport(
  context: LoadContext,
  options: LoadOptions,
  withImport: WithImportOptions,
): Promise<WithImportReport> {
  const [aloneFile, underLoadFile] = await Promise.all(
    [0, 1].map((k) =>
      writeNewClients(
        join(context.data.dir, '..', `upload-clients-${k}.csv`),
        context.data.sizes.clients + k * withImport.importRows,
        withImport.importRows,
      ),
    ),
  );
  const load = await startLoadService(context, options);
  try {
    const writer = load.token('writer', 'load-big-upload');
    const send = (file: string) =>
      uploadFile(load.service.baseUrl, 'clients', file, writer, UPLOAD_BOUND_SECONDS * 1000);
    const plain = await withLag(load.service.baseUrl, () => load.measure());

    context.log(`uploading ${withImport.importRows} clients alone`);
    let aloneErrors = 0;
    const alone = await withLag(load.service.baseUrl, async () => {
      const started = performance.now();
      const answer = await send(aloneFile);
      if (answer.status !== 201) {
        aloneErrors++;
        context.log(`the upload alone answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      }
      return (performance.now() - started) / 1000;
    });
    context.log(`the upload alone took ${alone.result.toFixed(1)} s`);

    const loaded = await withLag(load.service.baseUrl, () =>
      load.measure({
        afterSeconds: withImport.importAfterSeconds,
        boundSeconds: UPLOAD_BOUND_SECONDS,
        send: () => send(underLoadFile),
      }),
    );
    return {
      ...withImport,
      plain: figures(plain.result, plain.lag),
      withImport: figures(loaded.result, loaded.lag),
      upload: {
        aloneSeconds: round(alone.result),
        withLoadSeconds: round(loaded.result.uploadSeconds ?? NaN),
        aloneErrors,
        aloneLag: alone.lag,
      },
      plainReport: plain.result.report,
      withImportReport: loaded.result.report,
    };
  } finally {
    await load.service.stop();
  }
}

async function withLag<T>(
  baseUrl: string,
  work: () => Promise<T>,
): Promise<{ result: T; lag: EventLoopLag }> {
  const sampler = await sampleEventLoopLag(baseUrl);
  try {
    const result = await work();
    return { result, lag: await sampler.stop() };
  } catch (error) {
    await sampler.stop();
    throw error;
  }
}

function figures({ report, readLatenciesMs }: MeasuredLoad, lag: EventLoopLag): RunFigures {
  const reads = report.kinds.filter((k) => k.kind !== 'uploads');
  const requests = reads.reduce((sum, k) => sum + k.requests, 0);
  return {
    seconds: report.durationSeconds,
    readsPerSecond: round(requests / report.durationSeconds),
    readP99Ms: percentile(readLatenciesMs, 99),
    errors: report.total.errors,
    lag,
  };
}

/** `rows` clients of the sample generator, renumbered from `after + 1` (e-mails follow the id). */
async function writeNewClients(path: string, after: number, rows: number): Promise<string> {
  const out = createWriteStream(path);
  out.write(`${headerLine('clients')}\n`);
  let id = after;
  for (const row of sampleRows(
    'clients',
    { ...DEFAULT_SAMPLE_SIZES, clients: rows },
    UPLOAD_SEED,
  )) {
    id++;
    const email = String(row[3]).replace(/\.\d+@/, `.${id}@`);
    const line = [id, row[1], row[2], email, ...row.slice(4)].map(csvField).join(',');
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

const round = (value: number) => Math.round(value * 10) / 10;
