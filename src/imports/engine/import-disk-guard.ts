/**
 * Refuses an import (507) that could fill the disk the database lives on. PostgreSQL out of disk
 * PANICs and stops, taking every reader down with it and needing space freed before it starts
 * again; a refused import costs one retry once space is freed. The floor is checked before an
 * upload's body is read and again when the import's turn comes (others may have used the space
 * meanwhile), against the file's estimated growth of the database.
 */
import { Injectable } from '@nestjs/common';
import { insufficientStorage } from '../../common/domain-error';
import { freeDiskMb } from '../../common/free-disk-space';
import { AppConfig } from '../../config/app-config';

/**
 * Database growth per byte of CSV, measured: a 5 MB clients file (60,000 rows) grew the embedded
 * cluster by 106 MB (heap, indexes, sealed values, and the WAL kept until the next checkpoint).
 * An upper bound: content already imported grows it by almost nothing.
 */
export const DISK_GROWTH_PER_CSV_BYTE = 21;

@Injectable()
export class ImportDiskGuard {
  constructor(private readonly config: AppConfig) {}

  /** `sizeBytes`: the file's size when known; 0 checks the floor alone. */
  async assertRoom(sizeBytes = 0): Promise<void> {
    const minimumMb = this.config.importMinFreeDiskMb;
    const freeMb = await freeDiskMb(this.config.dataDir);
    const estimatedMb = Math.ceil((sizeBytes * DISK_GROWTH_PER_CSV_BYTE) / 1024 ** 2);
    if (freeMb - estimatedMb >= minimumMb) return;
    throw insufficientStorage(
      `not enough free disk for this import: ${freeMb} MB free where the database lives, ` +
        (estimatedMb ? `the import may take about ${estimatedMb} MB, ` : '') +
        `and ${minimumMb} MB must stay free (IMPORT_MIN_FREE_DISK_MB); nothing was imported: free space, then retry`,
      { freeMb, estimatedMb, minimumMb },
    );
  }
}
