import type { AppConfig } from '../../config/app-config';
import { DomainError, DomainErrorCode } from '../../common/domain-error';
import { ImportQueue } from './import-queue';

const queueWith = (limits: Partial<AppConfig>) =>
  new ImportQueue({
    importConcurrency: 2,
    importQueueMax: 3,
    importWaitTimeoutMs: 60_000,
    ...limits,
  } as AppConfig);

const settled = async <T>(p: Promise<T>): Promise<'pending' | T> =>
  Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);

describe('ImportQueue', () => {
  it('runs imports of different datasets side by side, up to the concurrency', async () => {
    const queue = queueWith({});
    const a = await queue.enter('clients');
    const b = await queue.enter('magasins');
    const c = queue.enter('produits');
    expect(await settled(c)).toBe('pending');
    expect({ running: queue.running, waiting: queue.waiting }).toEqual({ running: 2, waiting: 1 });
    a.release();
    expect(await settled(c)).not.toBe('pending');
    b.release();
  });

  it('never runs two imports of one dataset at once, and keeps their order', async () => {
    const queue = queueWith({ importConcurrency: 4 });
    const first = await queue.enter('clients');
    const order: string[] = [];
    const second = queue.enter('clients').then((t) => (order.push('second'), t));
    const third = queue.enter('clients').then((t) => (order.push('third'), t));
    const other = await queue.enter('magasins');
    expect(queue.running).toBe(2);
    first.release();
    (await second).release();
    (await third).release();
    other.release();
    expect(order).toEqual(['second', 'third']);
  });

  it('lets an import of a free dataset pass one that waits for a busy dataset', async () => {
    const queue = queueWith({ importConcurrency: 2 });
    const clients = await queue.enter('clients');
    const moreClients = queue.enter('clients');
    expect(await settled(moreClients)).toBe('pending');
    const magasins = await settled(queue.enter('magasins'));
    expect(magasins).not.toBe('pending');
    clients.release();
    (await moreClients).release();
    if (magasins !== 'pending') magasins.release();
  });

  it('refuses with a 503 when IMPORT_QUEUE_MAX imports already wait', async () => {
    const queue = queueWith({ importConcurrency: 1, importQueueMax: 2 });
    const running = await queue.enter('clients');
    const waiting = [queue.enter('clients'), queue.enter('clients')];
    expect(() => queue.assertRoom()).toThrow(DomainError);
    const refused = await queue.enter('clients').catch((e: DomainError) => e);
    expect(refused).toMatchObject({
      code: DomainErrorCode.Unavailable,
      message: '2 import(s) are already waiting in this instance (IMPORT_QUEUE_MAX); retry later',
    });
    running.release();
    for (const w of waiting) (await w).release();
    expect({ running: queue.running, waiting: queue.waiting }).toEqual({ running: 0, waiting: 0 });
  });

  it('gives up a wait after IMPORT_WAIT_TIMEOUT_MS with a 503, and forgets the waiter', async () => {
    const queue = queueWith({ importConcurrency: 1, importWaitTimeoutMs: 20 });
    const running = await queue.enter('clients');
    const late = await queue.enter('magasins').catch((e: DomainError) => e);
    expect(late).toMatchObject({ code: DomainErrorCode.Unavailable });
    expect((late as DomainError).message).toMatch(/IMPORT_WAIT_TIMEOUT_MS/);
    expect(queue.waiting).toBe(0);
    running.release();
    running.release(); // releasing twice is harmless
    expect(queue.running).toBe(0);
  });

  it('reports how long the oldest running import has been at it', async () => {
    const queue = queueWith({});
    expect(queue.oldestRunningSeconds()).toBe(0);
    const turn = await queue.enter('clients');
    expect(queue.oldestRunningSeconds(Date.now() + 5_000)).toBeGreaterThanOrEqual(5);
    turn.release();
  });
});
