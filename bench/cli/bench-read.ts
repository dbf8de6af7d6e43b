/**
 * `npm run bench:read`: the read API benchmark on its own. Starts an embedded PostgreSQL under
 * bench-data/read-db (or uses DATABASE_URL), makes sure it holds BENCH_CLIENTS clients (default
 * 200,000), and prints the figures plus a `BENCH {...}` line. `npm run bench` runs the same
 * measurement (runReadBench) after its import benchmark.
 */
import 'reflect-metadata';
import { ensureBenchClients } from '../read-bench-clients';
import { startBenchDatabase } from '../bench-database';
import { runReadBench } from '../read-bench';
import { openBenchTransactions } from '../bench-transactions';
import { parseCommandLine, runCli } from '../../src/cli/cli-usage';

const CLI = {
  name: 'bench:read',
  usage: `usage: npm run bench:read
  the read API benchmark; BENCH_CLIENTS sets the clients it needs (default 200000);
  BENCH_READ_CONNECTIONS and BENCH_READ_SECONDS set the request-overhead baseline's
  concurrency (default 50) and duration of each side (default 20)`,
};

async function main(): Promise<void> {
  parseCommandLine(process.argv.slice(2), {});
  const started = Date.now();
  const log = (m: string) =>
    console.log(`[bench:read +${((Date.now() - started) / 1000).toFixed(0)}s] ${m}`);
  const { config, embedded, connectAsOwner } = await startBenchDatabase('read-db', 54397);
  try {
    const owner = await connectAsOwner();
    const { transactions, close } = await openBenchTransactions(config);
    try {
      const wanted = Number(process.env.BENCH_CLIENTS ?? 200_000);
      await ensureBenchClients(owner, transactions, wanted, log);
    } finally {
      await close();
      await owner.end();
    }
    const figures = await runReadBench({
      config,
      connectAsOwner,
      log,
      overhead: {
        connections: Number(process.env.BENCH_READ_CONNECTIONS ?? 50),
        seconds: Number(process.env.BENCH_READ_SECONDS ?? 20),
      },
    });
    const ratio = figures.read_decrypted_rows_per_s / figures.decrypt_bound_rows_per_s;
    console.log(
      `read_decrypted_rows_per_s  ${figures.read_decrypted_rows_per_s}  (${ratio.toFixed(2)} x decrypt bound, target >= 0.8)`,
    );
    console.log(`decrypt_bound_rows_per_s   ${figures.decrypt_bound_rows_per_s}  (one backend)`);
    console.log(`decrypt_bound_parallel_rows_per_s ${figures.decrypt_bound_parallel_rows_per_s}`);
    console.log(`email_lookup_p95_ms        ${figures.email_lookup_p95_ms}  (target <= 10)`);
    const csvRatio = figures.csv_export_rows_per_s / figures.decrypt_bound_rows_per_s;
    console.log(
      `csv_export_rows_per_s      ${figures.csv_export_rows_per_s}  (${csvRatio.toFixed(2)} x decrypt bound, target >= 0.8)`,
    );
    console.log(`filtered_paging_rows_per_s ${figures.filtered_paging_rows_per_s}`);
    const overhead = figures.read_http_per_s / figures.read_tx_pgbench_per_s;
    console.log(
      `read_http_per_s            ${figures.read_http_per_s}  (${overhead.toFixed(2)} x pgbench, target >= 0.6; ${figures.read_http_failed} failed)`,
    );
    console.log(
      `read_tx_pgbench_per_s      ${figures.read_tx_pgbench_per_s}  (the same transactions, ${figures.read_overhead_pgbench_clients} clients: the service's pool; HTTP had ${figures.read_overhead_connections} connections)`,
    );
    console.log(`BENCH ${JSON.stringify(figures)}`);
  } finally {
    await embedded?.stop();
  }
}

runCli(CLI, main);
