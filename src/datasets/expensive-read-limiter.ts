/**
 * At most EXPENSIVE_READS_PER_CALLER expensive reads per caller (token subject) at once, in this
 * instance; the next one is refused at once with 429 and Retry-After, before it takes a
 * connection. Expensive: an exact count (`Prefer: count=exact`, which reads every matching row)
 * and a CSV export without `limit` (which holds its connection while the whole table streams).
 * Without the bound one analyst's 20 parallel exact counts on 600,000 clients held every pool
 * connection: other callers waited 5 s for one and got 503s, and the counts themselves 500s.
 * Cheap reads (pages, a CSV of at most 1000 rows, planned or estimated counts) are not counted.
 */
import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller';
import { tooManyRequests } from '../common/domain-error';
import { AppConfig } from '../config/app-config';

@Injectable()
export class ExpensiveReadLimiter {
  private readonly running = new Map<string, number>();

  constructor(private readonly config: AppConfig) {}

  /** Runs `read` in one of the caller's slots, or throws 429 without running it. */
  async run<T>(caller: Caller, read: () => Promise<T>): Promise<T> {
    const limit = this.config.expensiveReadsPerCaller;
    const mine = this.running.get(caller.sub) ?? 0;
    if (mine >= limit) {
      throw tooManyRequests(
        `you already run ${mine} expensive read(s) (exact counts, CSV exports without limit); at most ${limit} at a time per caller (EXPENSIVE_READS_PER_CALLER): retry when one has finished, or ask for Prefer: count=planned`,
        this.retryAfterSeconds(),
      );
    }
    this.running.set(caller.sub, mine + 1);
    try {
      return await read();
    } finally {
      const left = (this.running.get(caller.sub) ?? 1) - 1;
      if (left > 0) this.running.set(caller.sub, left);
      else this.running.delete(caller.sub);
    }
  }

  /** A running read ends within its timeout, so a slot frees up by then at the latest. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.config.expensiveReadTimeoutMs / 1000));
  }
}
