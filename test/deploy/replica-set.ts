/**
 * Several service instances (`node dist/src/main.js`, what the image runs) against one
 * PostgreSQL, each with its own port and DATA_DIR: the Compose stack's `--scale app=N` in
 * miniature, without Docker.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { Environment } from '../../src/config/app-config';
import { freePort, ServiceProcess } from '../support/service-process';

export interface Replica {
  process: ServiceProcess;
  url: string;
}

export class ReplicaSet {
  private readonly dirs: string[] = [];
  readonly replicas: Replica[] = [];

  /**
   * Starts `count` instances at once; `environment` is shared (plus `perReplica(i)`), ports and
   * DATA_DIRs are not.
   */
  async start(
    count: number,
    environment: Environment,
    perReplica: (index: number) => Environment = () => ({}),
  ): Promise<Replica[]> {
    const started: Replica[] = [];
    for (let i = 0; i < count; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), `smartretail-replica-${i}-`));
      this.dirs.push(dataDir);
      const port = await freePort();
      const env = {
        ...definedOnly({ ...environment, ...perReplica(i) }),
        PORT: String(port),
        DATA_DIR: dataDir,
      };
      started.push({ process: ServiceProcess.start(env), url: `http://127.0.0.1:${port}` });
    }
    this.replicas.push(...started);
    await Promise.all(started.map((r) => r.process.waitFor('SmartRetail listening', 120_000)));
    return started;
  }

  async stop(): Promise<(number | null)[]> {
    const codes = await Promise.all(this.replicas.map((r) => r.process.stop('SIGTERM')));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    return codes;
  }
}

export const readiness = async (replica: Replica) =>
  (await request(replica.url).get('/health/ready')).status;

/** An empty database (no schema, no migrations) on the test server; dropped by the callback. */
export async function withEmptyDatabase<T>(
  adminUrl: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const name = `fresh_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs` with `describe()`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  describe: () => string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${describe()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function definedOnly(env: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
