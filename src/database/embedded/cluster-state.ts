/**
 * What is running in a DATA_DIR's cluster, from three witnesses: PostgreSQL's postmaster.pid,
 * our owner claim (pg-owner.json) and the process table. Either can be stale on its own: a
 * SIGKILLed service leaves its claim, a SIGKILLed postmaster its lock file, and pids get reused.
 */
import type { ClusterOwner, OwnerStatus } from './cluster-owner-file';
import { ownerStatus, readOwner } from './cluster-owner-file';
import { PostmasterLock, readPostmasterLock } from './postmaster-lock-file';
import { isPostgresProcessIn, postgresProcessesIn } from './process-table';

export type ClusterState =
  /** Nothing runs: whoever claims it may start the server. */
  | { kind: 'free' }
  /** A live process owns it; `server` is set once its postmaster runs. */
  | { kind: 'owned'; owner: ClusterOwner; server?: PostmasterLock }
  /** A postmaster runs but the process that started it is gone (or unknown). */
  | { kind: 'orphaned'; server: PostmasterLock; owner?: ClusterOwner }
  /** postmaster.pid names a process that is not this cluster's postmaster any more. */
  | { kind: 'stale-lock'; lock: PostmasterLock }
  /** Server processes still run in the cluster without their postmaster (it was killed). */
  | { kind: 'lingering'; pids: number[] };

export interface ClusterFacts {
  owner?: ClusterOwner;
  ownerStatus?: OwnerStatus;
  lock?: PostmasterLock;
  /** postmaster.pid's pid is a PostgreSQL process running in this cluster. */
  lockIsLive: boolean;
  /** Other PostgreSQL processes running in this cluster (Linux only; empty elsewhere). */
  strays: number[];
  /** Whether the process table can be read (/proc); without it a dead pid is left to PostgreSQL. */
  canInspectProcesses: boolean;
}

export function gatherClusterFacts(dataDir: string, clusterDir: string): ClusterFacts {
  const owner = readOwner(dataDir);
  const lock = readPostmasterLock(clusterDir);
  const lockIsLive = lock !== undefined && isPostgresProcessIn(lock.pid, clusterDir);
  return {
    owner,
    ownerStatus: owner && ownerStatus(owner),
    lock,
    lockIsLive,
    strays: lockIsLive ? [] : postgresProcessesIn(clusterDir),
    canInspectProcesses: process.platform === 'linux',
  };
}

export function classifyCluster(facts: ClusterFacts): ClusterState {
  const ownerLives = facts.ownerStatus === 'alive' || facts.ownerStatus === 'self';
  if (facts.lock && facts.lockIsLive) {
    return ownerLives
      ? { kind: 'owned', owner: facts.owner!, server: facts.lock }
      : { kind: 'orphaned', server: facts.lock, owner: facts.owner };
  }
  if (facts.strays.length) return { kind: 'lingering', pids: facts.strays };
  // This process's own claim without a server: its postmaster died and it starts it again.
  if (facts.ownerStatus === 'alive') return { kind: 'owned', owner: facts.owner! };
  // Without a process table, PostgreSQL itself decides about a lock file whose pid is dead.
  if (facts.lock && facts.canInspectProcesses) return { kind: 'stale-lock', lock: facts.lock };
  return { kind: 'free' };
}
