/**
 * A migration on main is immutable: migrations/checksums.json records each file's SHA-256 and
 * `npm run migrations:check` (in .ci/run) fails when a recorded file changes.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareChecksums,
  formatChecksums,
  migrationChecksum,
  readChecksums,
  withUnrecorded,
} from '../../tools/migrations/migration-checksums';

const MIGRATIONS = join(__dirname, '..', '..', 'migrations');

describe('migration checksums', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartretail-migrations-'));
    writeFileSync(join(dir, '1795564800000-EnablePgcrypto.ts'), 'export class A {}\n');
    writeFileSync(join(dir, '1795564801000-CreateTables.ts'), 'export class B {}\n');
    writeFileSync(join(dir, 'index.ts'), 'export const migrations = [];\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records every migration file, not the index', () => {
    const recorded = withUnrecorded(dir, {});
    expect(Object.keys(recorded)).toEqual([
      '1795564800000-EnablePgcrypto.ts',
      '1795564801000-CreateTables.ts',
    ]);
    expect(compareChecksums(dir, recorded)).toEqual({ changed: [], missing: [], unrecorded: [] });
  });

  it('reports a recorded migration whose content changed', () => {
    const recorded = withUnrecorded(dir, {});
    writeFileSync(join(dir, '1795564801000-CreateTables.ts'), 'export class B { edited = 1 }\n');
    expect(compareChecksums(dir, recorded).changed).toEqual(['1795564801000-CreateTables.ts']);
  });

  it('reports a recorded migration that was deleted, and a new one not recorded yet', () => {
    const recorded = withUnrecorded(dir, {});
    unlinkSync(join(dir, '1795564800000-EnablePgcrypto.ts'));
    writeFileSync(join(dir, '1795564802000-AddColumn.ts'), 'export class C {}\n');
    expect(compareChecksums(dir, recorded)).toEqual({
      changed: [],
      missing: ['1795564800000-EnablePgcrypto.ts'],
      unrecorded: ['1795564802000-AddColumn.ts'],
    });
  });

  it('records a new migration without touching a recorded line, even a stale one', () => {
    const recorded = withUnrecorded(dir, {});
    writeFileSync(join(dir, '1795564801000-CreateTables.ts'), 'export class B { edited = 1 }\n');
    writeFileSync(join(dir, '1795564802000-AddColumn.ts'), 'export class C {}\n');
    const next = withUnrecorded(dir, recorded);
    expect(next['1795564801000-CreateTables.ts']).toBe(recorded['1795564801000-CreateTables.ts']);
    expect(Object.keys(next)).toContain('1795564802000-AddColumn.ts');
    expect(compareChecksums(dir, next).changed).toEqual(['1795564801000-CreateTables.ts']);
  });

  it('gives a CRLF checkout the sum of the committed LF bytes', () => {
    expect(migrationChecksum('a;\r\nb;\r\n')).toBe(migrationChecksum('a;\nb;\n'));
  });

  it('writes one migration per line, sorted, so a new migration is a one-line diff', () => {
    expect(formatChecksums({ b: '2', a: '1' })).toBe('{\n  "a": "1",\n  "b": "2"\n}\n');
  });

  it("matches every migration of this repository's migrations/checksums.json", () => {
    const report = compareChecksums(MIGRATIONS, readChecksums(join(MIGRATIONS, 'checksums.json')));
    expect(report).toEqual({ changed: [], missing: [], unrecorded: [] });
  });
});
