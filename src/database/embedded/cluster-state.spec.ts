import { ClusterFacts, classifyCluster } from './cluster-state';

const lock = { pid: 100, port: 54320, status: 'ready' };
const owner = { pid: 200, port: 54320 };
const facts = (overrides: Partial<ClusterFacts>): ClusterFacts => ({
  lockIsLive: false,
  strays: [],
  canInspectProcesses: true,
  ...overrides,
});

describe('what runs in an embedded cluster', () => {
  it('is free when nothing runs and nothing is recorded', () => {
    expect(classifyCluster(facts({}))).toEqual({ kind: 'free' });
  });

  it('belongs to a live owner whose postmaster runs', () => {
    expect(classifyCluster(facts({ lock, lockIsLive: true, owner, ownerStatus: 'alive' }))).toEqual(
      { kind: 'owned', owner, server: lock },
    );
  });

  it('belongs to a live owner still starting its postmaster', () => {
    expect(classifyCluster(facts({ owner, ownerStatus: 'alive' }))).toEqual({
      kind: 'owned',
      owner,
    });
  });

  it('is orphaned when its postmaster runs but the owner is gone', () => {
    expect(classifyCluster(facts({ lock, lockIsLive: true, owner, ownerStatus: 'gone' }))).toEqual({
      kind: 'orphaned',
      server: lock,
      owner,
    });
  });

  it('is orphaned when its postmaster runs and no owner was ever recorded', () => {
    expect(classifyCluster(facts({ lock, lockIsLive: true }))).toEqual({
      kind: 'orphaned',
      server: lock,
      owner: undefined,
    });
  });

  it("has a stale lock file when its pid is not this cluster's postmaster and nothing else runs there", () => {
    expect(classifyCluster(facts({ lock, owner, ownerStatus: 'gone' }))).toEqual({
      kind: 'stale-lock',
      lock,
    });
  });

  it('leaves a lock file to PostgreSQL where processes cannot be inspected', () => {
    expect(classifyCluster(facts({ lock, canInspectProcesses: false }))).toEqual({
      kind: 'free',
    });
  });

  it('waits for server processes that outlived their killed postmaster', () => {
    expect(classifyCluster(facts({ lock, strays: [101, 102] }))).toEqual({
      kind: 'lingering',
      pids: [101, 102],
    });
  });

  it("is this process's own to start again when its postmaster died (the supervisor restarts it)", () => {
    const self = { pid: process.pid, port: 54320 };
    expect(classifyCluster(facts({ lock, owner: self, ownerStatus: 'self' }))).toEqual({
      kind: 'stale-lock',
      lock,
    });
    expect(classifyCluster(facts({ owner: self, ownerStatus: 'self' }))).toEqual({ kind: 'free' });
  });
});
