/**
 * Where an upload waits while it arrives (UPLOAD_SPOOL_DIR): a 0700 directory of the instance's
 * own, the file 0600, nothing left once the request is answered, whatever the answer; the
 * directory of a stopped instance swept at start-up, a live neighbour's left alone; a spool
 * root that others could read or redirect refused at start-up.
 */
import { INestApplication } from '@nestjs/common';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../../src/database/embedded/process-table';
import { createHttpApplication } from '../../src/http-application';
import { UploadSpoolDirectory } from '../../src/imports/upload/upload-spool-directory';
import { HttpHarness, listeningApp, startHttpHarness } from '../support/http-app';
import {
  personalRow,
  spoolDirectories,
  spooled,
  spooledFiles,
  trickleUpload,
} from '../support/trickle-upload';

const MAX_BYTES = 4096;
const IDLE_MS = 1_000;
const mode = (path: string) => statSync(path).mode & 0o777;
const host = hostname()
  .replace(/[^A-Za-z0-9-]/g, '-')
  .slice(0, 63);

/** A pid no process has any more (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('the upload spool (UPLOAD_SPOOL_DIR)', () => {
  let h: HttpHarness;
  let root: string;
  let base: string;
  let umask: number;
  const url = (app: INestApplication) =>
    `http://127.0.0.1:${(app.getHttpServer() as { address(): { port: number } }).address().port}`;

  beforeAll(async () => {
    // Permissive: nothing may rely on the umask to keep the spool private.
    umask = process.umask(0);
    base = mkdtempSync(join(tmpdir(), 'smartretail-spool-'));
    root = join(base, 'uploads');
    h = await startHttpHarness({
      UPLOAD_SPOOL_DIR: root,
      IMPORT_MAX_BYTES: String(MAX_BYTES),
      UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_MS),
    });
  });
  afterAll(async () => {
    await h.close();
    process.umask(umask);
    rmSync(base, { recursive: true, force: true });
  });

  /** An upload of clients under way: its first row is in the spool when this resolves. */
  const halfReceived = async (start = 1) => {
    const upload = trickleUpload(url(h.app));
    upload.send(personalRow(start));
    const [file] = await spooled(root, personalRow(start).length);
    return { upload, file };
  };

  it('receives into a 0700 directory of its own, the file 0600, even under umask 000, and leaves nothing after a success', async () => {
    const { upload, file } = await halfReceived(1);
    const own = h.app.get(UploadSpoolDirectory).directory!;
    expect(file.startsWith(`${own}/`)).toBe(true);
    expect(mode(root)).toBe(0o700);
    expect(mode(own)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    upload.send(personalRow(2));
    upload.finish();
    expect((await upload.response).status).toBe(201);
    expect(spooledFiles(root)).toEqual([]);
  });

  it('leaves nothing after an import that fails (a file without the email column)', async () => {
    const upload = trickleUpload(url(h.app), { start: 'client_id,nom,prenom\r\n' });
    upload.send('3,Zorrowitz,Diego\r\n');
    await spooled(root, 10);
    upload.finish();
    const res = await upload.response;
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/missing required column\(s\): email/);
    expect(spooledFiles(root)).toEqual([]);
  });

  it('leaves nothing after a 413 (over IMPORT_MAX_BYTES mid-file)', async () => {
    const { upload } = await halfReceived(4);
    for (let id = 5; id < 5 + MAX_BYTES / 40; id++) upload.send(personalRow(id));
    upload.finish();
    expect((await upload.response).status).toBe(413);
    expect(spooledFiles(root)).toEqual([]);
  });

  it('leaves nothing after a 408 (the body stopped arriving)', async () => {
    const { upload } = await halfReceived(200);
    expect((await upload.response).status).toBe(408);
    upload.abort();
    expect(spooledFiles(root)).toEqual([]);
  });

  it('leaves nothing after the client drops the connection mid-file (no answer to wait for)', async () => {
    const upload = trickleUpload(url(h.app), { fileName: 'dropped-mid-file.csv' });
    upload.send(personalRow(250));
    await spooled(root, personalRow(250).length);
    upload.abort();
    // The failed run is recorded after the file is removed: once it is there, so is the answer.
    const failedRuns = async () =>
      h.db.asOwner(
        async (c) =>
          (
            await c.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM import_runs
                WHERE file_name = 'dropped-mid-file.csv' AND status = 'failed'`,
            )
          ).rows[0].n,
      );
    const deadline = Date.now() + 30_000;
    while ((await failedRuns()) === 0) {
      if (Date.now() > deadline) throw new Error('the dropped upload was never recorded');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(spooledFiles(root)).toEqual([]);
  });

  it('removes the directory of a stopped instance at start-up, and keeps a live one', async () => {
    const gone = join(root, `${host}.${await deadPid()}.x.00000000000000aa`);
    mkdirSync(gone, { mode: 0o700 });
    writeFileSync(join(gone, 'left-behind.csv'), personalRow(300), { mode: 0o600 });
    // A neighbour alive on this host: the jest process itself, as another instance would be.
    const start = processStartTime(process.pid) ?? 'x';
    const live = join(root, `${host}.${process.pid}.${start}.00000000000000bb`);
    mkdirSync(live, { mode: 0o700 });
    writeFileSync(join(live, 'arriving.csv'), personalRow(301), { mode: 0o600 });
    // A directory of another host: its pids mean nothing here.
    const elsewhere = join(root, `another-host.${await deadPid()}.x.00000000000000cc`);
    mkdirSync(elsewhere, { mode: 0o700 });

    const second = await listeningApp(h.db.config({ UPLOAD_SPOOL_DIR: root }));
    try {
      const entries = spoolDirectories(root);
      expect(entries).not.toContain(gone);
      expect(entries).toEqual(expect.arrayContaining([live, elsewhere]));
      expect(readdirSync(live)).toEqual(['arriving.csv']);
    } finally {
      await second.close();
      rmSync(live, { recursive: true });
      rmSync(elsewhere, { recursive: true });
    }
  });

  it('removes its own directory when the application closes', async () => {
    const second = await listeningApp(h.db.config({ UPLOAD_SPOOL_DIR: root }));
    const own = second.get(UploadSpoolDirectory).directory!;
    expect(spoolDirectories(root)).toContain(own);
    await second.close();
    expect(spoolDirectories(root)).not.toContain(own);
  });

  describe('refuses to start', () => {
    /** What start-up says, or undefined if it started. */
    const startOn = async (spoolDir: string): Promise<string | undefined> => {
      const app = await createHttpApplication(h.db.config({ UPLOAD_SPOOL_DIR: spoolDir }));
      try {
        await app.init();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await app.close().catch(() => undefined);
      }
    };

    it('on a symbolic link planted at the spool path, and writes nothing where it points', async () => {
      const target = mkdtempSync(join(base, 'elsewhere-'));
      const planted = join(base, 'planted');
      symlinkSync(target, planted);
      expect(await startOn(planted)).toBe(
        `UPLOAD_SPOOL_DIR ${planted} is a symbolic link: uploads hold personal data in clear; set UPLOAD_SPOOL_DIR to a directory of this service's own (default DATA_DIR/uploads)`,
      );
      expect(readdirSync(target)).toEqual([]);
    });

    it('on a spool directory other users may read', async () => {
      const open = join(base, 'open');
      mkdirSync(open);
      chmodSync(open, 0o755);
      expect(await startOn(open)).toMatch(
        `UPLOAD_SPOOL_DIR ${open} is open to other users (mode 0755): uploads hold personal data in clear; chmod 700 it, or set UPLOAD_SPOOL_DIR`,
      );
      expect(readdirSync(open)).toEqual([]);
    });
  });
});
