import { HEALTH_CONNECTIONS } from '../../src/health/health-connection';
/**
 * Readiness reports the database, not the queue. Measured before its checks had a connection of
 * their own: with 50 connections of reads, 4 of 16 readiness polls failed (`database: timed out
 * after 2000 ms` while `pool: inUse 10, waiting 46`), because the checks waited in the same
 * pool as the requests. Now a flood of reads, five times the pool, is reported as saturation by
 * the pool check, and readiness stays 200 throughout: with reads that run as fast as they can,
 * and with reads that hold every connection for as long as the test says (waiting on a lock of
 * the table they read), where checks that queued in the pool could only time out.
 */
import { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Environment } from '../../src/config/app-config';
import { listeningApp } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { plantClients, TestDatabase } from '../support/test-database';

const CLIENTS = 5_000;
/** Concurrent readers: five times DB_POOL_SIZE (10). */
const READERS = 50;
/** At least this many polls during the flood, and at least one that sees the pool saturated. */
const MIN_POLLS = 10;
const MAX_POLLS = 100;

interface PoolCheck {
  status: string;
  inUse: number;
  waiting: number;
  saturated: boolean;
  saturation?: string;
}

interface Poll {
  status: number;
  pool: PoolCheck;
  body: unknown;
}

describe('readiness under a flood of reads', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];
  const start = async (overrides: Environment = {}) => {
    const app = await listeningApp(db.config(overrides));
    apps.push(app);
    return app;
  };
  const healthConnections = () =>
    db.asOwner(async (owner) => {
      const { rows } = await owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'smartretail-health' AND datname = current_database()`,
      );
      return rows[0].n;
    });

  /**
   * READERS loops reading `path` until the polls are done. Plain fetch, bodies read and dropped:
   * the flood must load the service, not this test's own event loop (which is the service's
   * too) with a schema check of every page.
   */
  function flood(app: INestApplication, path: string): { stop: () => Promise<number[]> } {
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const [name, value] = bearer('admin', 'flooding-admin');
    let flooding = true;
    const statuses: number[] = [];
    const reader = async () => {
      do {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { [name]: value } });
        await res.arrayBuffer();
        statuses.push(res.status);
      } while (flooding);
    };
    const readers = Array.from({ length: READERS }, reader);
    return {
      stop: async () => {
        flooding = false;
        await Promise.all(readers);
        return statuses;
      },
    };
  }

  /** Polls readiness until MIN_POLLS are done and one saw the pool saturated (MAX_POLLS at most). */
  async function pollDuringFlood(app: INestApplication): Promise<Poll[]> {
    const polls: Poll[] = [];
    while (
      polls.length < MAX_POLLS &&
      (polls.length < MIN_POLLS || !polls.some((p) => p.pool?.saturated))
    ) {
      const res = await request(app.getHttpServer()).get('/health/ready');
      // A 200 lists the checks in `details`; a 503's error body in `details.checks`.
      const checks = (res.status === 200 ? res.body.details : res.body.details?.checks) as Record<
        string,
        PoolCheck
      >;
      polls.push({ status: res.status, pool: checks.pool, body: res.body });
    }
    return polls;
  }

  function expectReadyAndSaturated(polls: Poll[]): PoolCheck {
    expect(polls.filter((p) => p.status !== 200).map((p) => p.body)).toEqual([]);
    const saturated = polls.filter((p) => p.pool.saturated);
    expect(saturated.length).toBeGreaterThan(0);
    expect(saturated[0].pool.status).toBe('up');
    expect(saturated[0].pool.inUse).toBeGreaterThanOrEqual(10);
    expect(saturated[0].pool.saturation).toMatch(/^every connection is busy: \d+ request\(s\)/);
    return saturated[0].pool;
  }

  beforeAll(async () => {
    db = await TestDatabase.create();
    await db.migrate();
    await plantClients(db, CLIENTS);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it('stays ready while 50 connections read decrypted pages, and reports the pool saturated', async () => {
    const app = await start();
    // Small pages: 50 readers keep every connection busy and requests queueing without
    // starving this shared 2-core machine, whose CPU the service and the readers share.
    const reads = flood(app, '/datasets/clients/records?limit=10');
    let polls: Poll[];
    let statuses: number[];
    try {
      polls = await pollDuringFlood(app);
    } finally {
      statuses = await reads.stop();
    }
    expectReadyAndSaturated(polls);
    // The readers were served, slowly perhaps, and never failed with a 500.
    expect(statuses.length).toBeGreaterThan(READERS);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('stays ready while reads hold every connection and 50 more queue for one', async () => {
    // The reads wait for the lock as long as the test holds it, not for a timeout.
    const app = await start({ STATEMENT_TIMEOUT_MS: '600000', DB_ACQUIRE_TIMEOUT_MS: '600000' });
    const owner = await db.connect('owner');
    let polls: Poll[];
    let statuses: number[];
    try {
      await owner.query('BEGIN');
      await owner.query('LOCK TABLE magasins IN ACCESS EXCLUSIVE MODE');
      const reads = flood(app, '/datasets/magasins/records?limit=5');
      try {
        polls = await pollDuringFlood(app);
      } finally {
        await owner.query('ROLLBACK');
        statuses = await reads.stop();
      }
    } finally {
      await owner.end();
    }
    const pool = expectReadyAndSaturated(polls);
    expect(pool.waiting).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('uses connections of its own, one per database check at most, and closes them with the application', async () => {
    // The other applications' health connections would be counted too.
    for (const other of apps.splice(0)) await other.close();
    expect(await healthConnections()).toBe(0);
    const app = await start();
    await request(app.getHttpServer()).get('/health/ready').expect(200);
    const open = await healthConnections();
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(HEALTH_CONNECTIONS);
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    expect(await healthConnections()).toBe(0);
  });
});
