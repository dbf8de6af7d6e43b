/**
 * Who started the embedded PostgreSQL of a DATA_DIR: DATA_DIR/pg-owner.json, claimed before the
 * server starts and removed after a clean stop. A server whose owner is gone is an orphan (its
 * owner was killed with SIGKILL, which no process can intercept) and may be stopped; one whose
 * owner lives belongs to it and is left alone.
 *
 * The claim is an exclusive create, so of two processes starting at once only one starts the
 * server; the other sees a live owner.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, processStartTime } from './process-table';

export interface ClusterOwner {
  pid: number;
  /** Tells a live owner from an unrelated process that reused its pid (Linux only). */
  startTime?: string;
  port: number;
}

export type OwnerStatus = 'self' | 'alive' | 'gone';

export const ownerFilePath = (dataDir: string): string => join(dataDir, 'pg-owner.json');

export function readOwner(dataDir: string): ClusterOwner | undefined {
  const text = readText(ownerFilePath(dataDir));
  return text === undefined ? undefined : parseOwner(text);
}

export function ownerStatus(owner: ClusterOwner): OwnerStatus {
  const sameStart = (pid: number) =>
    owner.startTime === undefined || processStartTime(pid) === owner.startTime;
  if (owner.pid === process.pid) return sameStart(process.pid) ? 'self' : 'gone';
  return isAlive(owner.pid) && sameStart(owner.pid) ? 'alive' : 'gone';
}

/**
 * Makes this process the owner, replacing a claim whose owner is gone. Returns false when another
 * live process holds (or has just taken) the claim.
 */
export function claimOwnership(dataDir: string, port: number): boolean {
  const path = ownerFilePath(dataDir);
  const previous = readText(path);
  if (previous !== undefined) {
    const owner = parseOwner(previous);
    if (owner && ownerStatus(owner) === 'alive') return false;
    // Remove the stale claim only if nobody replaced it since we read it.
    if (readText(path) === previous) removeFile(path);
  }
  const claim: ClusterOwner = { pid: process.pid, startTime: processStartTime(process.pid), port };
  try {
    writeFileSync(path, `${JSON.stringify(claim)}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Removes the claim if it is this process's. */
export function releaseOwnership(dataDir: string): void {
  const owner = readOwner(dataDir);
  if (owner && ownerStatus(owner) === 'self') removeFile(ownerFilePath(dataDir));
}

export function parseOwner(text: string): ClusterOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClusterOwner>;
    if (!Number.isInteger(value.pid) || !Number.isInteger(value.port)) return undefined;
    return {
      pid: value.pid!,
      port: value.port!,
      startTime: typeof value.startTime === 'string' ? value.startTime : undefined,
    };
  } catch {
    return undefined;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
