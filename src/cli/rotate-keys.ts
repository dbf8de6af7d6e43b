/**
 * `npm run keys:rotate`: re-wraps every client's data key under the next master key
 * (src/keys/master-key-rotation.ts). Both keys come from the environment, never the command
 * line: ENCRYPTION_KEY (version ENCRYPTION_KEY_VERSION) and NEW_ENCRYPTION_KEY (the next
 * version). Online and resumable; prints its progress (counts only) and exits 0 when no data key
 * is left under the old version. Exit codes (src/cli/cli-usage.ts): 0 done, 1 failed, 2 usage.
 */
import { openSingleConnectionTransactions } from '../database/single-connection-transactions';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitCodeFor, onShutdownSignal } from '../common/shutdown-signals';
import { verifyDatabaseKeys } from '../database/database-key-check';
import { prepareRuntime } from '../database/runtime-environment';
import { MasterKeyRotation } from '../keys/master-key-rotation';
import { parseBatchSize, runCli, UsageError } from './cli-usage';

const CLI = {
  name: 'keys:rotate',
  usage: `usage: npm run keys:rotate [-- --batch-size <n>]
  re-wraps every client's data key from ENCRYPTION_KEY (version ENCRYPTION_KEY_VERSION) to
  NEW_ENCRYPTION_KEY (the next version); keys come from the environment only
  --batch-size <n>   data keys per transaction (default 1000)`,
};

async function main(): Promise<void> {
  const batchSize = parseBatchSize(process.argv.slice(2));
  const logger = new Logger('KeyRotation');
  const { config, embedded } = await prepareRuntime(process.env, logger, { sharing: 'join' });
  if (!config.newEncryptionKey)
    throw new UsageError(
      'NEW_ENCRYPTION_KEY is not set: give the next master key in the environment (never on the command line)',
    );
  onShutdownSignal(
    async (signal) => {
      await embedded?.stop();
      process.exit(exitCodeFor(signal));
    },
    (message) => logger.warn(message),
  );
  const { transactions, close } = await openSingleConnectionTransactions(
    config,
    'smartretail-key-rotation',
  );
  try {
    // Enrols the new version if no instance has yet, after proving the old key is the current one.
    await verifyDatabaseKeys(config, logger);
    const outcome = await new MasterKeyRotation(transactions, config).run(batchSize, (p) =>
      logger.log(`re-wrapped ${p.rewrapped} data keys, ${p.remaining} left`),
    );
    logger.log(
      `Rotation done: ${outcome.rewrapped} data keys re-wrapped from master-key version ${outcome.fromVersion} to ${outcome.toVersion}; ` +
        `set ENCRYPTION_KEY to the new key, ENCRYPTION_KEY_VERSION=${outcome.toVersion}, and remove NEW_ENCRYPTION_KEY`,
    );
  } finally {
    await close();
    await embedded?.stop();
  }
}

runCli(CLI, main);
