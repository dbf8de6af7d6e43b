/**
 * What this process knows about its database server beyond "does a query answer": whether the
 * embedded PostgreSQL it supervises is down, why, and what is being done about it. Readiness
 * says it, and runs cut by the outage are recorded with it. With DATABASE_URL nothing here
 * supervises the server, and this stays empty: an outage there is only seen as failing queries.
 */
import type { ExitReason } from './embedded/postmaster-exit-cause';

export interface ServerOutage {
  /** Numbered from 1 within this process. */
  readonly number: number;
  /** One line, e.g. "the embedded PostgreSQL (pid 812) was killed by SIGKILL (…)". */
  readonly cause: string;
  readonly reason: ExitReason;
  readonly since: Date;
  /** What the supervisor does about it now ("restarting it in 2 s (attempt 2 of 5)"). */
  action: string;
  recoveredAt?: Date;
}

/** How many past outages are kept for the runs they cut (the count is kept whole). */
const KEPT_OUTAGES = 20;
/** A failed query and the supervisor's notice of the exit behind it race by less than this. */
const NOTICE_WINDOW_MS = 10_000;

export class DatabaseServerStatus {
  private readonly outages: ServerOutage[] = [];
  private count = 0;

  /** The outage going on now, if any. */
  current(): ServerOutage | undefined {
    const last = this.last();
    return last && !last.recoveredAt ? last : undefined;
  }

  last(): ServerOutage | undefined {
    return this.outages[this.outages.length - 1];
  }

  get outageCount(): number {
    return this.count;
  }

  /**
   * For a failure seen now whose explanation may not be known yet: the number of the outage
   * that explains it if one is (the current one, or the next one noticed, which can come a
   * moment after the failed query). Look it up later with outage().
   */
  outageToExplain(): number {
    return this.current()?.number ?? this.count + 1;
  }

  /**
   * The outage numbered `number` (from outageToExplain()), if it began no later than a few
   * seconds after the failure: a later one cannot have caused it.
   */
  explain(number: number, failedAt: Date): ServerOutage | undefined {
    const outage = this.outages.find((o) => o.number === number);
    return outage && outage.since.getTime() - failedAt.getTime() <= NOTICE_WINDOW_MS
      ? outage
      : undefined;
  }

  begin(cause: string, reason: ExitReason, action: string): ServerOutage {
    const outage: ServerOutage = { number: ++this.count, cause, reason, since: new Date(), action };
    this.outages.push(outage);
    if (this.outages.length > KEPT_OUTAGES) this.outages.shift();
    return outage;
  }

  recovered(): void {
    const current = this.current();
    if (current) current.recoveredAt = new Date();
  }
}
