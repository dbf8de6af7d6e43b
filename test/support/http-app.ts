/**
 * The one way tests boot the real HTTP application: `listeningApp` on any configuration, and
 * `startHttpHarness` for the usual case of a fresh migrated test database under it.
 */
import { INestApplication } from '@nestjs/common';
import type { AppConfig, Environment } from '../../src/config/app-config';
import { createHttpApplication } from '../../src/http-application';
import { ImportScheduler } from '../../src/imports/schedule/import.scheduler';
import { TestDatabase } from './test-database';

export interface HttpHarness {
  db: TestDatabase;
  app: INestApplication;
  close(): Promise<void>;
}

/**
 * The real HTTP application on `config`, listening on an ephemeral loopback port, its start-up
 * recovery pass done (a run a test plants as `running` afterwards is not taken for abandoned).
 */
export async function listeningApp(config: AppConfig): Promise<INestApplication> {
  const app = await createHttpApplication(config);
  await app.listen(0, '127.0.0.1');
  await app.get(ImportScheduler).startupRecovery;
  return app;
}

export async function startHttpHarness(overrides: Environment = {}): Promise<HttpHarness> {
  const db = await TestDatabase.create();
  const app = await listeningApp(await db.migrate(overrides));
  return {
    db,
    app,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
