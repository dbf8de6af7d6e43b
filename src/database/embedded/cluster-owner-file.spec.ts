import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  claimOwnership,
  ownerFilePath,
  ownerStatus,
  readOwner,
  releaseOwnership,
} from './cluster-owner-file';
import { processStartTime } from './process-table';

describe('the owner claim of an embedded cluster (pg-owner.json)', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'owner-claim-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is taken by this process, readable by its user only, and released', () => {
    expect(claimOwnership(dataDir, 54320)).toBe(true);
    expect(readOwner(dataDir)).toMatchObject({ pid: process.pid, port: 54320 });
    expect(ownerStatus(readOwner(dataDir)!)).toBe('self');
    expect(statSync(ownerFilePath(dataDir)).mode & 0o777).toBe(0o600);
    releaseOwnership(dataDir);
    expect(readOwner(dataDir)).toBeUndefined();
  });

  it('replaces the claim of an owner that is gone', () => {
    const gone = { pid: 2 ** 22 + 1, port: 1 }; // above Linux's pid_max: never a live process
    writeFileSync(ownerFilePath(dataDir), JSON.stringify(gone));
    expect(ownerStatus(gone)).toBe('gone');
    expect(claimOwnership(dataDir, 54320)).toBe(true);
    expect(readOwner(dataDir)?.pid).toBe(process.pid);
  });

  it('is refused while another live process holds it, which is left untouched', () => {
    const alive = { pid: process.ppid, startTime: processStartTime(process.ppid), port: 1 };
    writeFileSync(ownerFilePath(dataDir), JSON.stringify(alive));
    expect(ownerStatus(alive)).toBe('alive');
    expect(claimOwnership(dataDir, 54320)).toBe(false);
    releaseOwnership(dataDir);
    expect(JSON.parse(readFileSync(ownerFilePath(dataDir), 'utf8'))).toEqual(alive);
  });

  it('tells a live owner from an unrelated process that reused its pid', () => {
    const reused = { pid: process.ppid, startTime: 'another start', port: 1 };
    expect(ownerStatus(reused)).toBe('gone');
  });
});
