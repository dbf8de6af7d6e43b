import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { MIGRATIONS } from '../../migrations';
import { Environment } from '../../src/config/app-config';
import { listeningApp } from '../support/http-app';
import { aClient, CLIENT_INSERT, clientParams } from '../support/client-factory';
import { canonicalKey, inTransaction, TestDatabase, testSecrets } from '../support/test-database';

describe('health', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];

  const start = async (overrides: Environment = {}): Promise<INestApplication> => {
    const app = await listeningApp(db.config(overrides));
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.migrate();
    // One stored ciphertext, so the encryption check can prove the key decrypts real data.
    await db.asOwner((owner) =>
      inTransaction(owner, {}, () => owner.query(CLIENT_INSERT, clientParams(aClient()))),
    );
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  it('answers live without checking dependencies', async () => {
    const app = await start();
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('answers ready with each check up: database, migrations, encryption, disk, pool, imports', async () => {
    const app = await start();
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details).toEqual({
      database: { status: 'up' },
      migrations: { status: 'up', applied: MIGRATIONS.length },
      encryption: { status: 'up' },
      disk: {
        status: 'up',
        freeMb: expect.any(Number) as number,
        minimumMb: 512,
        importMinimumMb: 512,
      },
      pool: {
        status: 'up',
        // DB_POOL_SIZE (10) for requests, two per import that may run (IMPORT_CONCURRENCY 2).
        max: 14,
        inUse: expect.any(Number) as number,
        waiting: 0,
        exhausted: 0,
        saturated: false,
      },
      imports: { status: 'up', running: 0, waiting: 0, oldestSeconds: 0 },
    });
  });

  it('answers 503 naming the disk when free space is below HEALTH_MIN_FREE_DISK_MB', async () => {
    const app = await start({ HEALTH_MIN_FREE_DISK_MB: String(1024 ** 3) });
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.body.message).toBe('Not ready: disk');
    expect(res.body.details.failing).toEqual(['disk']);
    expect(res.body.details.checks.database.status).toBe('up');
  });

  it('answers 503 naming a key check value mismatch when ENCRYPTION_KEY is not the database key, without echoing a key', async () => {
    const wrongKey = randomBytes(32).toString('hex');
    const app = await start({ ENCRYPTION_KEY: wrongKey });
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.body.message).toBe('Not ready: encryption');
    expect(res.body.details.checks.encryption).toEqual({
      status: 'down',
      message:
        'ENCRYPTION_KEY does not match the key this database was encrypted with (key check value mismatch)',
    });
    expect(res.text).not.toContain(wrongKey);
    expect(res.text).not.toContain(testSecrets().encryptionKey);
  });

  it('answers 503 naming a key check value mismatch when BLIND_INDEX_KEY is not the database key, without echoing a key', async () => {
    const wrongKey = randomBytes(32).toString('hex');
    const app = await start({ BLIND_INDEX_KEY: wrongKey });
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.body.details.checks.encryption).toEqual({
      status: 'down',
      message:
        "BLIND_INDEX_KEY does not match the key this database's e-mail index was built with (key check value mismatch)",
    });
    expect(res.text).not.toContain(wrongKey);
    expect(res.text).not.toContain(canonicalKey(testSecrets().blindIndexKey));
  });

  it('answers 503 naming the migrations when one is pending', async () => {
    const app = await start();
    const last = new MIGRATIONS[MIGRATIONS.length - 1]().name;
    await db.asOwner((owner) => owner.query('DELETE FROM migrations WHERE name = $1', [last]));
    try {
      const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(res.body.message).toBe('Not ready: migrations');
      expect(res.body.details.checks.migrations).toEqual({
        status: 'down',
        message: '1 pending migration(s)',
        pending: [last],
      });
    } finally {
      await db.asOwner((owner) =>
        owner.query('INSERT INTO migrations ("timestamp", name) VALUES ($1, $2)', [
          Number(last.slice(-13)),
          last,
        ]),
      );
    }
  });
});
