import { TimeoutError, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('resolves with the work when it settles first', async () => {
    await expect(withTimeout(Promise.resolve('up'), 1_000)).resolves.toBe('up');
  });

  it('passes the work failure through unchanged', async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 1_000)).rejects.toThrow(
      'refused',
    );
  });

  it('rejects with a TimeoutError naming the limit when the work never settles', async () => {
    const never = new Promise<never>(() => undefined);
    const outcome = withTimeout(never, 5);
    await expect(outcome).rejects.toBeInstanceOf(TimeoutError);
    await expect(outcome).rejects.toThrow('timed out after 5 ms');
  });
});
