/**
 * Peak memory of the service while it streams a >= 1 GB CSV upload into the database: the
 * compiled service runs as a child process and its peak RSS (VmHWM) is read from /proc.
 * The file holds stores with long addresses (1 KiB rows), so its size is reached with ~1 M rows.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { signRoleToken } from '../src/auth/role-token.service';
import { BenchContext, BenchFigures, BenchPart } from './bench-context';
import { startBenchService } from './bench-service';
import { uploadFile } from './multipart-upload';

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

export const uploadRssBench: BenchPart = {
  name: 'upload memory',
  async run(ctx: BenchContext): Promise<BenchFigures> {
    const file = join(ctx.workDir, 'large-magasins.csv');
    ctx.log('writing a >= 1 GB CSV');
    const size = await writeLargeStoresFile(file);
    const service = await startBenchService(ctx.config, {
      IMPORT_MAX_BYTES: String(4 * 1024 ** 3),
    });
    try {
      ctx.log(`uploading ${(size / 1024 ** 3).toFixed(2)} GiB over HTTP`);
      const started = Date.now();
      const token = signRoleToken(ctx.config, { role: 'writer', sub: 'bench', ttlSeconds: 3600 });
      const res = await uploadFile(service.baseUrl, 'magasins', file, token);
      if (res.status !== 201)
        throw new Error(`upload answered ${res.status}: ${res.body.slice(0, 300)}`);
      const seconds = (Date.now() - started) / 1000;
      return {
        upload_peak_rss_mb: await service.peakRssMb(),
        upload_size_mb: Math.round(size / 1024 ** 2),
        upload_mb_per_s: Math.round(size / 1024 ** 2 / seconds),
      };
    } finally {
      await service.stop();
    }
  },
};
