/**
 * What one kind of load traffic observed: latencies of its successful responses, every status
 * code, socket errors and timeouts, and a few error messages to show. Fed by autocannon's events
 * for the reads and by the upload loop, so every kind is counted the same way.
 */
import type { DatabaseRole } from '../src/auth/database-role';

export const LOAD_KINDS = [
  'analyst-pages',
  'admin-pages',
  'email-lookups',
  'kpis',
  'uploads',
] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export const isLoadKind = (name: string): name is LoadKind =>
  (LOAD_KINDS as readonly string[]).includes(name);

/** Distinct error messages kept per kind (each with its count): enough to diagnose, bounded. */
const MAX_ERROR_MESSAGES = 8;

export interface KindSummary {
  kind: LoadKind;
  role: DatabaseRole;
  connections: number;
  /** Responses received plus requests that failed without one. */
  requests: number;
  requestsPerSecond: number;
  /** 2xx responses. */
  succeeded: number;
  /** Latency of the 2xx responses, in ms (0 when there were none). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** non2xx + socketErrors + timeouts + wrongAnswers. */
  errors: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  /** 2xx responses that did not answer the question (an e-mail lookup finding nobody). */
  wrongAnswers: number;
  statusCodes: Record<string, number>;
  /** `<status or socket> <message> (first request id)` -> how many times. */
  errorMessages: Record<string, number>;
}

export class KindTally {
  private readonly latenciesMs: number[] = [];
  private readonly statusCodes: Record<string, number> = {};
  private readonly errorMessages = new Map<string, number>();
  private socketErrors = 0;
  private timeouts = 0;
  private wrongAnswers = 0;

  constructor(
    readonly kind: LoadKind,
    readonly role: DatabaseRole,
    readonly connections: number,
  ) {}

  /** Latencies of the 2xx responses so far, in arrival order. */
  get successLatenciesMs(): readonly number[] {
    return this.latenciesMs;
  }

  response(status: number, latencyMs: number): void {
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    if (status >= 200 && status < 300) this.latenciesMs.push(latencyMs);
  }

  /** The body of a non-2xx response: the service's JSON error names the cause and request id. */
  errorBody(status: number, body: string): void {
    let described = body.slice(0, 200);
    try {
      const error = JSON.parse(body) as { message?: unknown; requestId?: unknown };
      described = `${JSON.stringify(error.message)} (request ${String(error.requestId)})`;
    } catch {
      // Not the service's JSON error (a proxy or a crash page): the start of the body says more.
    }
    this.note(`${status} ${described}`);
  }

  failure(kind: 'timeout' | 'socket', message: string): void {
    if (kind === 'timeout') this.timeouts++;
    else this.socketErrors++;
    this.note(`${kind} ${message}`);
  }

  wrongAnswer(description: string): void {
    this.wrongAnswers++;
    this.note(`wrong answer: ${description}`);
  }

  summary(seconds: number): KindSummary {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const responses = Object.values(this.statusCodes).reduce((a, b) => a + b, 0);
    const requests = responses + this.socketErrors + this.timeouts;
    const non2xx = responses - sorted.length;
    return {
      kind: this.kind,
      role: this.role,
      connections: this.connections,
      requests,
      requestsPerSecond: round(requests / seconds, 1),
      succeeded: sorted.length,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      errors: non2xx + this.socketErrors + this.timeouts + this.wrongAnswers,
      non2xx,
      socketErrors: this.socketErrors,
      timeouts: this.timeouts,
      wrongAnswers: this.wrongAnswers,
      statusCodes: { ...this.statusCodes },
      errorMessages: Object.fromEntries(this.errorMessages),
    };
  }

  /** Same message with another request id counts under the first one's key. */
  private note(message: string): void {
    const key = [...this.errorMessages.keys()].find(
      (k) => k.replace(/ \(request .*\)$/, '') === message.replace(/ \(request .*\)$/, ''),
    );
    if (key) this.errorMessages.set(key, this.errorMessages.get(key)! + 1);
    else if (this.errorMessages.size < MAX_ERROR_MESSAGES) this.errorMessages.set(message, 1);
  }
}

/** Nearest-rank percentile of ascending values, in ms with 0.1 precision. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return round(sorted[rank - 1], 1);
}

const round = (value: number, digits: number): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;
