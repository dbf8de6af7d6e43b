import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nearestExistingDirectory } from './free-disk-space';

describe('free-space check location', () => {
  const base = mkdtempSync(join(tmpdir(), 'smartretail-disk-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('measures DATA_DIR itself when it exists', () => {
    expect(nearestExistingDirectory(base)).toBe(base);
  });

  it('measures the nearest existing ancestor of a DATA_DIR not created yet', () => {
    expect(nearestExistingDirectory(join(base, 'not', 'yet'))).toBe(base);
  });
});
