/**
 * Progress for `npm run import`: a bar with rows and MB/s on a terminal, plain log lines
 * otherwise (CI, pipes, log files), so the output is readable either way.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { ImportProgress } from '../imports/engine/import.service';

export interface ProgressReporter {
  start(label: string, totalBytes: number): void;
  update(progress: ImportProgress): void;
  stop(): void;
}

const mb = (bytes: number) => bytes / 1024 / 1024;

export class TerminalProgress implements ProgressReporter {
  private readonly bar = new SingleBar(
    { format: '{label} [{bar}] {percentage}% | {rows} rows | {speed} MB/s', hideCursor: true },
    Presets.shades_classic,
  );
  private started = 0;
  private label = '';

  start(label: string, totalBytes: number): void {
    this.label = label;
    this.started = Date.now();
    this.bar.start(Math.max(totalBytes, 1), 0, { label, rows: 0, speed: '0.0' });
  }

  update({ rows, bytes }: ImportProgress): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    this.bar.update(bytes, { label: this.label, rows, speed: (mb(bytes) / seconds).toFixed(1) });
  }

  stop(): void {
    this.bar.stop();
  }
}

export class LogLineProgress implements ProgressReporter {
  private last = 0;
  private started = 0;
  private label = '';
  private latest: ImportProgress = { rows: 0, bytes: 0 };

  start(label: string): void {
    this.label = label;
    this.started = this.last = Date.now();
    console.log(`${label}: importing`);
  }

  update(progress: ImportProgress): void {
    this.latest = progress;
    if (Date.now() - this.last < 5000) return;
    this.last = Date.now();
    this.print();
  }

  /** The last line always shows where the file ended, however short the import was. */
  stop(): void {
    this.print();
  }

  private print(): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const { rows, bytes } = this.latest;
    console.log(`${this.label}: ${rows} rows, ${(mb(bytes) / seconds).toFixed(1)} MB/s`);
  }
}
