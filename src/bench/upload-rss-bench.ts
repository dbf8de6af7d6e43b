/**
 * Peak memory of the service while it streams a >= 1 GB CSV upload into the database: the
 * compiled service runs as a child process and its peak RSS (VmHWM) is read from /proc.
 * The file is stores with long addresses (1 KiB rows), so its size is reached with ~1 M rows.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { BenchContext, BenchFigures, BenchPart } from './bench-context';

const TARGET_BYTES = 1024 ** 3 + 1;

async function writeLargeStoresFile(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write('magasin_id,nom,adresse,ville,code_postal,region\n');
  const street = 'rue de la République '.repeat(48);
  let bytes = 0;
  let id = 1_000_000;
  while (bytes < TARGET_BYTES) {
    let chunk = '';
    for (let i = 0; i < 1000; i++, id++)
      chunk += `${id},Magasin ${id},"${id % 200}, ${street}",Lyon,69001,Auvergne-Rhône-Alpes\n`;
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

function upload(
  port: number,
  path: string,
  size: number,
): Promise<{ status: number; body: string }> {
  const boundary = 'smartretail-bench-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="magasins.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/imports/magasins',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': Buffer.byteLength(head) + size + Buffer.byteLength(tail),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(head);
    const file = createReadStream(path);
    file.pipe(req, { end: false });
    file.on('end', () => req.end(tail));
  });
}

export const uploadRssBench: BenchPart = {
  name: 'upload memory',
  async run(ctx: BenchContext): Promise<BenchFigures> {
    const file = join(ctx.workDir, 'large-magasins.csv');
    ctx.log('writing a >= 1 GB CSV');
    const size = await writeLargeStoresFile(file);
    const port = await freePort();
    const { config } = ctx;
    const child = spawn(process.execPath, [join(__dirname, '../main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: config.databaseUrl,
        ENCRYPTION_KEY: config.encryptionKey,
        BLIND_INDEX_KEY: config.blindIndexKey,
        JWT_SECRET: config.jwtSecret,
        APP_DB_PASSWORD: config.appDbPassword,
        GRAFANA_DB_PASSWORD: config.grafanaDbPassword,
        IMPORT_ON_START: 'false',
        IMPORT_MAX_BYTES: String(4 * 1024 ** 3),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      for (let i = 0; ; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (i > 300) throw new Error('the service did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
      ctx.log(`uploading ${(size / 1024 ** 3).toFixed(2)} GiB over HTTP`);
      const started = Date.now();
      const res = await upload(port, file, size);
      if (res.status !== 201)
        throw new Error(`upload answered ${res.status}: ${res.body.slice(0, 300)}`);
      const seconds = (Date.now() - started) / 1000;
      return {
        upload_peak_rss_mb: await peakRssMb(child.pid!),
        upload_size_mb: Math.round(size / 1024 ** 2),
        upload_mb_per_s: Math.round(size / 1024 ** 2 / seconds),
      };
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  },
};
