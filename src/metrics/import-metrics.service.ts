import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Subscription } from 'rxjs';
import { DATASET_NAMES } from '../catalog/dataset.types';
import { IMPORT_SOURCES, ImportRun } from '../imports/history/import-run';
import { ImportRunEvents } from '../imports/history/import-run-events';
import {
  ERRORS_TOTAL,
  IMPORT_WAIT,
  IMPORTED_BYTES,
  LAST_INSERT_COUNT,
  LAST_SUCCESS,
  PROCESSING_DURATION,
  ROW_OUTCOMES,
  ROWS_PER_SECOND,
  ROWS_TOTAL,
  RUNS_TOTAL,
  UNCHANGED_FILES,
} from './import-metrics.providers';

const FINAL_STATUSES = ['succeeded', 'failed', 'skipped'] as const;

/**
 * Turns each finished import run (published by ingestion on ImportRunEvents) into metrics.
 * Ingestion knows nothing about Prometheus; this is the only place that maps reports to series.
 */
@Injectable()
export class ImportMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly subscription = new Subscription();

  constructor(
    private readonly events: ImportRunEvents,
    @InjectMetric(RUNS_TOTAL) private readonly runs: Counter<string>,
    @InjectMetric(PROCESSING_DURATION) private readonly duration: Histogram<string>,
    @InjectMetric(ERRORS_TOTAL) private readonly errors: Counter<string>,
    @InjectMetric(LAST_INSERT_COUNT) private readonly lastInsertCount: Gauge<string>,
    @InjectMetric(ROWS_TOTAL) private readonly rows: Counter<string>,
    @InjectMetric(LAST_SUCCESS) private readonly lastSuccess: Gauge<string>,
    @InjectMetric(ROWS_PER_SECOND) private readonly rowsPerSecond: Gauge<string>,
    @InjectMetric(IMPORTED_BYTES) private readonly bytes: Counter<string>,
    @InjectMetric(IMPORT_WAIT) private readonly wait: Histogram<string>,
    @InjectMetric(UNCHANGED_FILES) private readonly unchangedFiles: Counter<string>,
  ) {}

  onModuleInit(): void {
    this.initialiseCounters();
    this.subscription.add(this.events.finished$.subscribe((report) => this.record(report)));
    this.subscription.add(
      this.events.waited$.subscribe(({ dataset, seconds }) =>
        this.wait.observe({ dataset }, seconds),
      ),
    );
    this.subscription.add(
      this.events.unchanged$.subscribe(({ dataset, upToDate }) => {
        this.unchangedFiles.inc({ dataset });
        if (upToDate) this.lastSuccess.set({ dataset }, Date.now() / 1000);
      }),
    );
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  record(report: ImportRun): void {
    const { dataset, source, status, counts } = report;
    if (status === 'running') return;
    this.runs.inc({ dataset, source, status });
    if (status === 'failed') this.errors.inc({ dataset, source });
    if (status === 'skipped') {
      this.lastSuccess.set({ dataset }, finishedSeconds(report));
      return;
    }
    if (report.durationSeconds !== null) {
      this.duration.observe({ dataset, source, status }, report.durationSeconds);
    }
    this.bytes.inc({ dataset, source }, report.sizeBytes);
    for (const outcome of ROW_OUTCOMES) {
      if (counts[outcome] > 0) this.rows.inc({ dataset, outcome }, counts[outcome]);
    }
    if (status === 'succeeded') {
      this.lastSuccess.set({ dataset }, finishedSeconds(report));
      this.lastInsertCount.set({ dataset, source }, counts.inserted);
      if (report.durationSeconds) {
        this.rowsPerSecond.set({ dataset }, counts.rowsRead / report.durationSeconds);
      }
    }
  }

  /**
   * Counters start at 0 for every (bounded) label combination, so rate() and increase() see the
   * first run instead of treating a new series as if it had always existed.
   */
  private initialiseCounters(): void {
    for (const dataset of DATASET_NAMES) {
      for (const source of IMPORT_SOURCES) {
        for (const status of FINAL_STATUSES) this.runs.inc({ dataset, source, status }, 0);
        this.errors.inc({ dataset, source }, 0);
        this.bytes.inc({ dataset, source }, 0);
      }
      for (const outcome of ROW_OUTCOMES) this.rows.inc({ dataset, outcome }, 0);
      this.unchangedFiles.inc({ dataset }, 0);
    }
  }
}

const finishedSeconds = (report: ImportRun): number =>
  (report.finishedAt ?? new Date()).getTime() / 1000;
