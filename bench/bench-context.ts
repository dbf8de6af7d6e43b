/**
 * What every benchmark part receives, and what it returns. A part is a function from the
 * context to named figures; the runner (bench/cli/bench.ts) runs the parts in order and prints
 * them all. To add figures, write a part and list it in BENCH_PARTS there.
 */
import type { Client } from 'pg';
import type { DatasetName } from '../src/catalog/dataset.types';
import type { AppConfig } from '../src/config/app-config';
import type { RoleScopedTransactions } from '../src/database/role-scoped-transactions';
import type { ImportService } from '../src/imports/engine/import.service';

export interface BenchContext {
  /**
   * The service configuration for the bench database (`databaseUrl` is the owner's URL).
   * When the read parts run, this database holds the 200,000 imported clients, the stores,
   * products, transactions and 2,000,000 transaction lines, all through the real import path.
   */
  config: AppConfig;
  /** The real import engine (Nest context on the bench database). */
  imports: ImportService;
  /**
   * The product's transaction helper: anything that reads or writes the retail tables as a role,
   * with keys, goes through it. The owner connection below is for scratch DDL only.
   */
  transactions: RoleScopedTransactions;
  /** A new owner connection; the caller ends it. */
  connectAsOwner(): Promise<Client>;
  /** Generated CSV files (git-ignored bench-data/), one per dataset. */
  files: Record<DatasetName, string>;
  /** Row counts of those files. */
  rows: Record<DatasetName, number>;
  /** Scratch directory for parts that need more files. */
  workDir: string;
  log(message: string): void;
}

export type BenchFigures = Record<string, number>;

export interface BenchPart {
  name: string;
  run(context: BenchContext): Promise<BenchFigures>;
}

/** Runs `work` and returns its duration in seconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export const perSecond = (rows: number, seconds: number): number => Math.round(rows / seconds);
