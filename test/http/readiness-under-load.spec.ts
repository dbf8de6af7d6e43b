/**
 * Readiness reports the database, not the queue. Measured before its checks had a connection of
 * their own: with 50 connections of reads, 4 of 16 readiness polls failed (`database: timed out
 * after 2000 ms` while `pool: inUse 10, waiting 46`), because the checks waited in the same
 * pool as the requests. Now a flood of reads, five times the pool, is reported as saturation by
 * the pool check, and readiness stays 200 throughout.
 */
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { listeningApp } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { inTransaction, TestDatabase } from '../support/test-database';

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

describe('readiness under a flood of reads', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let closed = false;
  const http = () => request(app.getHttpServer());
  const healthConnections = () =>
    db.asOwner(async (owner) => {
      const { rows } = await owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'smartretail-health' AND datname = current_database()`,
      );
      return rows[0].n;
    });

  beforeAll(async () => {
    db = await TestDatabase.create();
    const config = await db.migrate();
    const client = await db.connect('app_user');
    try {
      await inTransaction(client, { role: 'admin' }, () =>
        client.query(
          `INSERT INTO clients (client_id, nom, prenom, email, date_naissance, sexe, ville, date_inscription)
           SELECT g, convert_to('Nom ' || g, 'UTF8'), convert_to('Prénom', 'UTF8'),
                  convert_to('c' || g || '@exemple.fr', 'UTF8'), convert_to('1980-05-17', 'UTF8'),
                  convert_to('F', 'UTF8'), convert_to('Lyon', 'UTF8'), DATE '2020-01-01' + g % 1500
             FROM generate_series(1, $1::int) g`,
          [CLIENTS],
        ),
      );
    } finally {
      await client.end();
    }
    app = await listeningApp(config);
  });
  afterAll(async () => {
    if (!closed) await app?.close();
    await db?.drop();
  });

  it('stays ready while 50 connections read, and reports the pool saturated', async () => {
    let flooding = true;
    const readStatuses: number[] = [];
    const reader = async () => {
      while (flooding) {
        const res = await http()
          .get('/datasets/clients/records?limit=100')
          .set(...bearer('admin', 'flooding-admin'));
        readStatuses.push(res.status);
      }
    };
    const readers = Array.from({ length: READERS }, reader);

    const polls: { status: number; pool: PoolCheck; body: unknown }[] = [];
    try {
      while (
        polls.length < MAX_POLLS &&
        (polls.length < MIN_POLLS || !polls.some((p) => p.pool.saturated))
      ) {
        const res = await http().get('/health/ready');
        // A 200 lists the checks in `details`; a 503's error body in `details.checks`.
        const checks = (res.status === 200 ? res.body.details : res.body.details?.checks) as Record<
          string,
          PoolCheck
        >;
        polls.push({ status: res.status, pool: checks.pool, body: res.body });
      }
    } finally {
      flooding = false;
      await Promise.all(readers);
    }

    expect(polls.filter((p) => p.status !== 200).map((p) => p.body)).toEqual([]);
    const saturated = polls.filter((p) => p.pool.saturated);
    expect(saturated.length).toBeGreaterThan(0);
    expect(saturated[0].pool.status).toBe('up');
    expect(saturated[0].pool.inUse).toBeGreaterThanOrEqual(10);
    expect(saturated[0].pool.saturation).toMatch(/^every connection is busy: \d+ request\(s\)/);
    // The readers were served, slowly perhaps, and never failed with a 500.
    expect(readStatuses.length).toBeGreaterThan(READERS);
    expect(readStatuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(readStatuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it('uses one connection of its own, and closes it with the application', async () => {
    await http().get('/health/ready').expect(200);
    expect(await healthConnections()).toBe(1);
    await app.close();
    closed = true;
    expect(await healthConnections()).toBe(0);
  });
});
