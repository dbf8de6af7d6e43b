/** A migrated test database plus the real HTTP application on an ephemeral port. */
import { INestApplication } from '@nestjs/common';
import type { Environment } from '../../src/config/app-config';
import { createHttpApplication } from '../../src/http-application';
import { TestDatabase } from './test-database';

export interface HttpHarness {
  db: TestDatabase;
  app: INestApplication;
  close(): Promise<void>;
}

export async function startHttpHarness(overrides: Environment = {}): Promise<HttpHarness> {
  const db = await TestDatabase.create();
  const config = await db.migrate(overrides);
  const app = await createHttpApplication(config);
  await app.listen(0, '127.0.0.1');
  return {
    db,
    app,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
