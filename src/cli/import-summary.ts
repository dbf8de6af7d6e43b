/**
 * The table `npm run import` prints after its last file, in the manner of pgloader's summary:
 * one row per file, a total row, counts right-aligned so columns add up at a glance.
 */
import type { ImportRun } from '../imports/history/import-run';

export interface ImportSummaryRow {
  file: string;
  dataset: string;
  report: Pick<ImportRun, 'status' | 'counts' | 'durationSeconds'>;
}

const HEADER = [
  'file',
  'dataset',
  'read',
  'inserted',
  'updated',
  'unchanged',
  'rejected',
  'time',
  'status',
];
/** Text columns are left-aligned, counts and time right-aligned. */
const LEFT = new Set([0, 1, 8]);

const seconds = (value: number) => `${value.toFixed(3)}s`;

export function formatImportSummary(rows: ImportSummaryRow[]): string {
  const cells = (label: string, dataset: string, r: ImportSummaryRow['report'][]) => [
    label,
    dataset,
    ...(['rowsRead', 'inserted', 'updated', 'unchanged', 'rejected'] as const).map((key) =>
      String(r.reduce((sum, one) => sum + one.counts[key], 0)),
    ),
    seconds(r.reduce((sum, one) => sum + (one.durationSeconds ?? 0), 0)),
  ];
  const body = rows.map((row) => [
    ...cells(row.file, row.dataset, [row.report]),
    row.report.status,
  ]);
  const failed = rows.filter((row) => row.report.status !== 'succeeded').length;
  const total = [
    ...cells(
      'total',
      '',
      rows.map((row) => row.report),
    ),
    failed ? `${failed} failed` : 'succeeded',
  ];
  const table = [HEADER, ...body, total];
  const widths = HEADER.map((_, i) => Math.max(...table.map((line) => line[i].length)));
  const render = (line: string[]) =>
    line
      .map((cell, i) => (LEFT.has(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(HEADER), rule, ...body.map(render), rule, render(total)].join('\n');
}
