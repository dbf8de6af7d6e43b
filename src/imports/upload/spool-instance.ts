/**
 * Who a spool directory belongs to, written in its name: `<host>.<pid>.<start time>.<nonce>`.
 * The name is the claim, made by one atomic mkdir, so no instance ever sees another's directory
 * without its owner (an owner file written after the mkdir would leave a window in which a
 * starting neighbour takes the fresh directory for an orphan).
 *
 * An owner is judged like the embedded database's (cluster-owner-file.ts): alive, and with the
 * same start time where /proc tells it, so a pid reused by an unrelated process does not keep an
 * orphan forever. Only directories of this host are judged: a pid means nothing in another
 * host's process table (a DATA_DIR on shared storage, containers with their own pid namespace
 * behind a shared volume), and a live spool must never be taken for an orphan.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAlive, processStartTime } from '../../database/embedded/process-table';

export interface SpoolOwner {
  host: string;
  pid: number;
  /** Undefined where /proc is missing: then liveness alone decides. */
  startTime?: string;
}

export type SpoolOwnerStatus = 'alive' | 'gone' | 'other host';

const NAME = /^([A-Za-z0-9-]{1,63})\.(\d{1,10})\.(\d{1,20}|x)\.[0-9a-f]{16}$/;

/** Host names as they may appear in a file name: letters, digits and hyphens. */
const hostTag = (name: string): string =>
  name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63) || 'host';

export function thisInstance(): SpoolOwner {
  return { host: hostTag(hostname()), pid: process.pid, startTime: processStartTime(process.pid) };
}

/** A fresh directory name for `owner`; the nonce keeps two spools of one process apart. */
export function spoolDirectoryName(owner: SpoolOwner): string {
  return `${owner.host}.${owner.pid}.${owner.startTime ?? 'x'}.${randomBytes(8).toString('hex')}`;
}

/** The owner a spool directory name claims; undefined for a name this service never makes. */
export function parseSpoolDirectoryName(name: string): SpoolOwner | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  return {
    host: match[1],
    pid: Number(match[2]),
    startTime: match[3] === 'x' ? undefined : match[3],
  };
}

export function spoolOwnerStatus(owner: SpoolOwner, self = thisInstance()): SpoolOwnerStatus {
  if (owner.host !== self.host) return 'other host';
  if (!isAlive(owner.pid)) return 'gone';
  const started = owner.pid === self.pid ? self.startTime : processStartTime(owner.pid);
  return owner.startTime === undefined || owner.startTime === started ? 'alive' : 'gone';
}
