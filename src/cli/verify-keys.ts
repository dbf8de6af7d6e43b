/**
 * `npm run keys:verify`: opens every sealed personal value and every wrapped data key with the
 * configured master key (src/keys/stored-data-verification.ts) and prints, one line each, those
 * that do not open: dataset, key and column, never a value. Read-only; safe beside a running
 * service (short transactions, one batch of rows each).
 * Exit codes (src/cli/cli-usage.ts): 0 everything opens, 1 something does not open (or the run
 * failed: wrong key, database unreachable), 2 usage error.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { exitCodeFor, onShutdownSignal } from '../common/shutdown-signals';
import { verifyDatabaseKeys } from '../database/database-key-check';
import { prepareRuntime } from '../database/runtime-environment';
import { openSingleConnectionTransactions } from '../database/single-connection-transactions';
import { StoredDataVerification } from '../keys/stored-data-verification';
import { parseBatchSize, runCli } from './cli-usage';

const CLI = {
  name: 'keys:verify',
  usage: `usage: npm run keys:verify [-- --batch-size <n>]
  opens every stored personal value and wrapped data key with ENCRYPTION_KEY and lists those
  that do not open (dataset, key, column); exit 1 if any
  --batch-size <n>   rows per transaction (default 1000)`,
};

async function main(): Promise<number> {
  const batchSize = parseBatchSize(process.argv.slice(2));
  const logger = new Logger('KeysVerify');
  const { config, embedded } = await prepareRuntime(process.env, logger, { sharing: 'join' });
  onShutdownSignal(
    async (signal) => {
      await embedded?.stop();
      process.exit(exitCodeFor(signal));
    },
    (message) => logger.warn(message),
  );
  const { transactions, close } = await openSingleConnectionTransactions(
    config,
    'smartretail-keys-verify',
  );
  try {
    // A wrong master key would make every value fail: refuse it with its own message first.
    await verifyDatabaseKeys(config, logger);
    const outcome = await new StoredDataVerification(transactions, datasetCatalog).run(
      batchSize,
      (p) => logger.log(`${p.dataset}: ${p.rows} rows, ${p.values} values checked`),
    );
    for (const problem of outcome.problems) console.log(problem);
    const checked = `${outcome.values} sealed value(s) of ${outcome.rows} row(s) and ${outcome.dataKeys} wrapped data key(s) checked`;
    if (outcome.problems.length) {
      console.error(
        `keys:verify: ${checked}: ${outcome.problems.length} row(s) with values or keys that do not open (listed above)`,
      );
      return 1;
    }
    console.log(`keys:verify: ${checked}: every one opens`);
    return 0;
  } finally {
    await close();
    await embedded?.stop();
  }
}

runCli(CLI, main);
