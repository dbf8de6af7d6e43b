import { randomBytes } from 'node:crypto';
import { ConfigurationError, loadConfig } from './app-config';

const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: 'postgres://owner:pw@db.internal:5432/smartretail',
  ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  BLIND_INDEX_KEY: randomBytes(32).toString('hex'),
  JWT_SECRET: randomBytes(32).toString('hex'),
  APP_DB_PASSWORD: 'a-long-app-user-password',
  GRAFANA_DB_PASSWORD: 'a-long-grafana-password',
  ...extra,
});

describe('retention configuration', () => {
  it('defaults to 90 days of import history and 365 days of audit, purged daily in batches, and keeps inactive clients', () => {
    expect(loadConfig(env(), { embedded: false }).retention).toEqual({
      importHistoryDays: 90,
      auditDays: 365,
      inactiveClientDays: undefined,
      cron: '0 15 3 * * *',
      batchRows: 5000,
    });
  });

  it('accepts the audit minimum of 180 days and refuses 179, saying why', () => {
    expect(
      loadConfig(env({ RETENTION_DAYS_AUDIT: '180' }), { embedded: false }).retention.auditDays,
    ).toBe(180);
    expect(() => loadConfig(env({ RETENTION_DAYS_AUDIT: '179' }), { embedded: false })).toThrow(
      /RETENTION_DAYS_AUDIT must be at least 180 days \(the legal minimum/,
    );
  });

  it('erases inactive clients only when asked to, after at least a year', () => {
    const days = (value: string) =>
      loadConfig(env({ RETENTION_DAYS_INACTIVE_CLIENTS: value }), { embedded: false }).retention
        .inactiveClientDays;
    expect(days('1095')).toBe(1095);
    expect(() => days('364')).toThrow(/RETENTION_DAYS_INACTIVE_CLIENTS must be at least 365 days/);
    expect(() => days('3651')).toThrow(/RETENTION_DAYS_INACTIVE_CLIENTS must be at most 3650 days/);
  });

  it.each([
    ['RETENTION_DAYS_INACTIVE_CLIENTS', 'three years'],
    ['RETENTION_DAYS_IMPORT_HISTORY', '0'],
    ['RETENTION_DAYS_IMPORT_HISTORY', 'ninety'],
    ['RETENTION_BATCH_ROWS', '0'],
    ['RETENTION_CRON', 'daily'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig(env({ [name]: value }), { embedded: false })).toThrow(
      ConfigurationError,
    );
  });
});
