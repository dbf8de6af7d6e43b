import type { Caller } from '../auth/caller';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { ExpensiveReadLimiter } from './expensive-read-limiter';

const caller = (sub: string): Caller => ({ sub, role: 'analyst', claims: {}, requestId: 'r' });

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('expensive reads per caller', () => {
  const limiter = new ExpensiveReadLimiter({
    expensiveReadsPerCaller: 2,
    expensiveReadTimeoutMs: 5_000,
  } as AppConfig);

  it('refuses the caller a third read at once with 429 and Retry-After, and lets others read', async () => {
    const gate = deferred();
    const running = [limiter.run(caller('a'), () => gate.promise)];
    running.push(limiter.run(caller('a'), () => gate.promise));
    const refused = await limiter.run(caller('a'), () => Promise.resolve()).catch((e) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({
      code: DomainErrorCode.TooManyRequests,
      details: { retryAfterSeconds: 5 },
    });
    await expect(limiter.run(caller('b'), () => Promise.resolve('b read'))).resolves.toBe('b read');
    gate.resolve();
    await Promise.all(running);
  });

  it('gives the slot back when a read fails', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(
        limiter.run(caller('c'), () => Promise.reject(new Error('boom'))),
      ).rejects.toThrow('boom');
    }
    await expect(limiter.run(caller('c'), () => Promise.resolve(1))).resolves.toBe(1);
  });
});
