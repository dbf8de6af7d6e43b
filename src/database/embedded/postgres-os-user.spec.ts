import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grantSearchPermission, OsUser, searchGaps } from './postgres-os-user';

/** A user that owns nothing here and is in none of its groups: the "others" class. */
const stranger: OsUser = { name: 'stranger', uid: 64_001, gid: 64_001 };

describe("opening the way to PostgreSQL's files for its OS user", () => {
  let home: string;
  let dataDir: string;
  beforeEach(() => {
    home = realpathSync(mkdtempSync(join(tmpdir(), 'private-home-'))); // 0700
    dataDir = join(home, 'checkout', '.data');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(join(home, 'checkout'), 0o755);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('finds the directories on the path that deny search permission', () => {
    expect(searchGaps(dataDir, stranger).map((gap) => gap.dir)).toEqual([home, dataDir]);
  });

  it('grants search permission only, and reports what it changed except the data directory', () => {
    const messages: string[] = [];
    grantSearchPermission(
      [{ path: dataDir, otherwise: 'set DATA_DIR', ours: true }],
      stranger,
      (message) => messages.push(message),
    );
    expect(statSync(home).mode & 0o777).toBe(0o701);
    expect(statSync(dataDir).mode & 0o777).toBe(0o701);
    expect(searchGaps(dataDir, stranger)).toEqual([]);
    expect(messages).toEqual([
      `PostgreSQL runs as the OS user stranger, which could not reach ${dataDir}: granted it ` +
        `search permission only (x, not read) on ${home}. To undo: chmod o-x ${home}`,
    ]);
  });

  it('changes nothing and says nothing when the way is open', () => {
    chmodSync(home, 0o711);
    chmodSync(dataDir, 0o711);
    const messages: string[] = [];
    grantSearchPermission([{ path: dataDir, otherwise: '' }], stranger, (m) => messages.push(m));
    expect(messages).toEqual([]);
    expect(statSync(home).mode & 0o777).toBe(0o711);
  });
});
