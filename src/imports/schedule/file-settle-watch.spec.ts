import { FileSettleWatch } from './file-settle-watch';

/** A clock the test moves by hand: wall time and monotonic time advance together. */
function manualClock(start = 1_000_000) {
  let wall = start;
  let mono = 0;
  return {
    clock: { now: () => wall, monotonic: () => mono },
    advance: (ms: number) => {
      wall += ms;
      mono += ms;
    },
    get wall() {
      return wall;
    },
  };
}

describe('a file settling in the import directory', () => {
  it('is not settled while its modification time is younger than the settle period', () => {
    const t = manualClock();
    const watch = new FileSettleWatch(30_000, t.clock);
    expect(watch.settled('/d/a.csv', { size: 10, mtimeMs: t.wall - 10_000 })).toBe(false);
  });

  it('is settled at the first look when it was last modified longer ago than the period', () => {
    const t = manualClock();
    const watch = new FileSettleWatch(30_000, t.clock);
    expect(watch.settled('/d/a.csv', { size: 10, mtimeMs: t.wall - 30_000 })).toBe(true);
  });

  it('waits again after every change of size or time: a writer pausing mid-line is not caught', () => {
    const t = manualClock();
    const watch = new FileSettleWatch(30_000, t.clock);
    let mtimeMs = t.wall;
    expect(watch.settled('/d/a.csv', { size: 10, mtimeMs })).toBe(false);
    t.advance(20_000);
    mtimeMs = t.wall;
    expect(watch.settled('/d/a.csv', { size: 20, mtimeMs })).toBe(false);
    t.advance(29_999);
    expect(watch.settled('/d/a.csv', { size: 20, mtimeMs })).toBe(false);
    t.advance(1);
    expect(watch.settled('/d/a.csv', { size: 20, mtimeMs })).toBe(true);
  });

  it('settles a file stamped in the future once this process has seen it unchanged long enough', () => {
    const t = manualClock();
    const watch = new FileSettleWatch(30_000, t.clock);
    const state = { size: 10, mtimeMs: t.wall + 3_600_000 };
    expect(watch.settled('/d/a.csv', state)).toBe(false);
    t.advance(30_000);
    expect(watch.settled('/d/a.csv', state)).toBe(true);
  });

  it('treats a period of 0 as "import what is there"', () => {
    const t = manualClock();
    const watch = new FileSettleWatch(0, t.clock);
    expect(watch.settled('/d/a.csv', { size: 10, mtimeMs: t.wall })).toBe(true);
  });

  it('forgets files that left the directory', () => {
    const t = manualClock();
    const watch = new FileSettleWatch(30_000, t.clock);
    const state = { size: 10, mtimeMs: t.wall + 3_600_000 };
    watch.settled('/d/a.csv', state);
    t.advance(30_000);
    watch.keepOnly([]);
    expect(watch.settled('/d/a.csv', state)).toBe(false);
  });
});
