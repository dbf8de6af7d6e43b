/** Reads the import history for the API: runs newest first, one run, all of a run's rejections. */
import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { notFound } from '../../common/domain-error';
import type { ImportRun } from './import-run';
import { ImportRunsRepository } from './import-runs.repository';
import { REJECTIONS_CSV_HEADER, rejectionCsvLine } from './rejections-csv';

export interface ImportRunPage {
  total: number;
  limit: number;
  offset: number;
  items: ImportRun[];
}

@Injectable()
export class ImportRunsService {
  constructor(private readonly runs: ImportRunsRepository) {}

  async list(limit: number, offset: number): Promise<ImportRunPage> {
    return { ...(await this.runs.list(limit, offset)), limit, offset };
  }

  async get(id: string): Promise<ImportRun> {
    const report = await this.runs.findOne(id);
    if (!report) throw notFound(`no import run ${id}`);
    return report;
  }

  /** Checks the run exists (so a 404 can still be sent), then streams every rejection. */
  async writeRejectionsCsv(id: string, start: () => Writable): Promise<void> {
    await this.get(id);
    const out = start();
    out.write(REJECTIONS_CSV_HEADER);
    await this.runs.eachRejectionPage(id, async (rows) => {
      if (!out.write(rows.map(rejectionCsvLine).join(''))) await once(out, 'drain');
    });
    out.end();
  }
}
