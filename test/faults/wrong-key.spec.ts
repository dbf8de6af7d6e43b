/**
 * "A wrong encryption key must never write data", at start-up: the real service and the import
 * CLI refuse keys that are not this database's, without printing a key; enrolment on first
 * start refuses keys that do not fit the clients already stored, and picks one winner.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatabaseKeyMismatchError,
  verifyDatabaseKeys,
} from '../../src/database/database-key-check';
import {
  aWrongKey,
  checkValues,
  countClients,
  databaseWithoutCheckValues,
  keyForms,
} from '../support/key-check-fixtures';
import { insertClients, manyClients } from '../support/retail-fixture';
import { freePort, ServiceProcess } from '../support/service-process';
import { TestDatabase, testSecrets } from '../support/test-database';

const ENCRYPTION_MISMATCH =
  'ENCRYPTION_KEY does not match the key this database was encrypted with (key check value mismatch)';
const BLIND_INDEX_MISMATCH =
  "BLIND_INDEX_KEY does not match the key this database's e-mail index was built with (key check value mismatch)";

function expectNoKeyIn(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (const form of keyForms(secret).slice(0, 2)) expect(text).not.toContain(form.toString());
  }
}

/** Resolves with the exit code, or 'listening' if the service got as far as serving. */
const startupOutcome = (service: ServiceProcess): Promise<number | null | 'listening'> =>
  Promise.race([
    service.wait(),
    service.waitFor('SmartRetail listening').then(() => 'listening' as const),
  ]);

async function runCli(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(__dirname, '../../dist/src/cli', script), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}

describe('a wrong key at start-up', () => {
  const databases: TestDatabase[] = [];
  const services: ServiceProcess[] = [];
  const track = async (db: Promise<TestDatabase>) => {
    databases.push(await db);
    return databases[databases.length - 1];
  };
  const startService = async (db: TestDatabase, env: Record<string, string | undefined>) => {
    const service = ServiceProcess.start(
      db.environment({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'log',
        ...env,
      }) as Record<string, string>,
    );
    services.push(service);
    return service;
  };
  afterAll(async () => {
    for (const service of services) await service.stop();
    for (const db of databases) await db.drop();
  });

  describe('at start-up', () => {
    it('refuses to start with another ENCRYPTION_KEY, imports nothing, and prints no key', async () => {
      const db = await track(TestDatabase.create());
      await db.asOwner((c) => insertClients(c, manyClients(3)));
      const importDir = mkdtempSync(join(tmpdir(), 'smartretail-wrong-key-'));
      copyFileSync(
        join(__dirname, '../fixtures/csv/ok/clients.csv'),
        join(importDir, 'clients.csv'),
      );
      const wrongKey = aWrongKey();
      try {
        const service = await startService(db, {
          ENCRYPTION_KEY: wrongKey,
          IMPORT_ON_START: 'true',
          IMPORT_DIR: importDir,
        });
        expect(await startupOutcome(service)).toBe(1);
        expect(service.output).toContain(ENCRYPTION_MISMATCH);
        expect(service.output).not.toContain('SmartRetail listening');
        expectNoKeyIn(service.output, [wrongKey, testSecrets().encryptionKey]);
        expect(await countClients(db)).toBe(3);
      } finally {
        rmSync(importDir, { recursive: true, force: true });
      }
    });

    it('refuses to start with another BLIND_INDEX_KEY, and prints no key', async () => {
      const db = await track(TestDatabase.create());
      const wrongKey = randomBytes(32).toString('base64');
      const service = await startService(db, { BLIND_INDEX_KEY: wrongKey });
      expect(await startupOutcome(service)).toBe(1);
      expect(service.output).toContain(BLIND_INDEX_MISMATCH);
      expect(service.output).not.toContain(ENCRYPTION_MISMATCH);
      expectNoKeyIn(service.output, [wrongKey, testSecrets().blindIndexKey]);
    });

    it('makes the import CLI refuse another ENCRYPTION_KEY before importing anything', async () => {
      const db = await track(TestDatabase.create());
      const wrongKey = aWrongKey();
      const { code, output } = await runCli(
        'import.js',
        [join(__dirname, '../fixtures/csv/ok/clients.csv')],
        db.environment({ ENCRYPTION_KEY: wrongKey }) as Record<string, string>,
      );
      expect(code).toBe(1);
      expect(output).toContain(ENCRYPTION_MISMATCH);
      expectNoKeyIn(output, [wrongKey, testSecrets().encryptionKey]);
      expect(await countClients(db)).toBe(0);
    });
  });

  describe('enrolment of the keys', () => {
    it('enrols both keys on the first start against a database without check values, then serves', async () => {
      const db = await track(databaseWithoutCheckValues(0));
      const service = await startService(db, {});
      expect(await startupOutcome(service)).toBe('listening');
      expect(service.output).toContain('Encryption keys enrolled');
      expect(Object.keys(await checkValues(db)).sort()).toEqual(['blind_index', 'encryption']);
      await service.stop();
    });

    it('refuses to enrol an ENCRYPTION_KEY that does not decrypt the clients already stored', async () => {
      const db = await track(databaseWithoutCheckValues(2));
      const wrongKey = aWrongKey();
      const service = await startService(db, { ENCRYPTION_KEY: wrongKey });
      expect(await startupOutcome(service)).toBe(1);
      expect(service.output).toContain(
        'ENCRYPTION_KEY does not decrypt the client data already in this database, so it was not enrolled',
      );
      expectNoKeyIn(service.output, [wrongKey, testSecrets().encryptionKey]);
      expect(await checkValues(db)).toEqual({});
    });

    it('refuses to enrol a BLIND_INDEX_KEY that does not reproduce the stored e-mail index', async () => {
      const db = await track(databaseWithoutCheckValues(2));
      await expect(verifyDatabaseKeys(db.config({ BLIND_INDEX_KEY: aWrongKey() }))).rejects.toThrow(
        'BLIND_INDEX_KEY does not reproduce the e-mail index of the client data already in this database',
      );
      expect(await checkValues(db)).toEqual({});
      // The right keys are then still accepted, proven against the same row.
      await expect(verifyDatabaseKeys(db.config())).resolves.toBe('enrolled');
    });

    it('lets exactly one of two replicas starting at once with different keys enrol', async () => {
      const db = await track(databaseWithoutCheckValues(0));
      const right = db.config();
      const wrong = db.config({ ENCRYPTION_KEY: aWrongKey(), BLIND_INDEX_KEY: aWrongKey() });
      const outcomes = await Promise.allSettled([
        verifyDatabaseKeys(right),
        verifyDatabaseKeys(wrong),
      ]);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0].reason).toBeInstanceOf(DatabaseKeyMismatchError);
      // Whichever won, the database now holds that replica's keys and refuses the other's.
      const winner = outcomes[0].status === 'fulfilled' ? right : wrong;
      const loser = winner === right ? wrong : right;
      await expect(verifyDatabaseKeys(winner)).resolves.toBe('verified');
      await expect(verifyDatabaseKeys(loser)).rejects.toThrow(ENCRYPTION_MISMATCH);
    });
  });
});
