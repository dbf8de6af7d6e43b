/**
 * An import run: one attempt to import one file, whatever the way in. The one name for it: the
 * upload route answers with it, the history (`import_runs`) stores it, observers (metrics, the
 * run log) receive it. Shared contract between ingestion and observability.
 */
import type { DatasetName } from '../../catalog/dataset.types';

export const IMPORT_SOURCES = ['upload', 'schedule', 'cli'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

export const IMPORT_STATUSES = ['running', 'succeeded', 'failed', 'skipped'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_MODES = ['default', 'atomic'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** Why a run failed: see the migration RecordImportFailureKinds for what each means. */
export const FAILURE_KINDS = [
  'input',
  'internal',
  'unavailable',
  'interrupted',
  'timeout',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Every data row read is counted exactly once: rowsRead = inserted + updated + unchanged + rejected. */
export interface ImportCounts {
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface RejectedRow {
  /** 1-based physical line of the record in the file (the header is line 1). */
  line: number;
  column: string | null;
  reason: string;
  /**
   * The offending value, for datasets without personal data (capped at 200 characters). A
   * dataset with personal data never has one, except the integer key of an erased subject.
   */
  value?: string;
  /** The refused cell's length and character classes ("12 characters: letters, @"), never its content. */
  valueShape?: string;
}

export interface ImportRun {
  id: string;
  dataset: DatasetName;
  source: ImportSource;
  mode: ImportMode;
  fileName: string;
  sizeBytes: number;
  checksum: string | null;
  status: ImportStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationSeconds: number | null;
  counts: ImportCounts;
  warnings: string[];
  /** The first 100 rejections; GET /imports/{id}/rejections serves them all. */
  rejections: RejectedRow[];
  /** Why a failed run failed (never personal data, never a secret). */
  error?: string;
  /** Failed runs only: whose fault, and whether the same content is tried again by the scan. */
  failureKind?: FailureKind;
}
