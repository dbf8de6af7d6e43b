/**
 * How a load report is judged and printed: one row per kind, the service's memory, the targets
 * beside the measured figures, the error messages, and a machine-readable `LOAD {...}` line.
 */
import type { LoadReport } from './load-run';

export const LOAD_TARGETS = { errors: 0, readP99Ms: 250, rssGrowthPercent: 10 } as const;

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export function targetChecks(report: LoadReport): TargetCheck[] {
  const { rss } = report;
  return [
    {
      target: 'errors = 0',
      measured: String(report.total.errors),
      met: report.total.errors === LOAD_TARGETS.errors,
    },
    ...report.kinds
      .filter((k) => k.kind !== 'uploads')
      .map((k) => ({
        target: `${k.kind} p99 <= ${LOAD_TARGETS.readP99Ms} ms`,
        measured: k.succeeded > 0 ? `${k.p99Ms} ms` : 'no 2xx response',
        met: k.succeeded > 0 && k.p99Ms <= LOAD_TARGETS.readP99Ms,
      })),
    {
      target: `RSS growth over the last ${rss.growthWindowSeconds} s <= ${LOAD_TARGETS.rssGrowthPercent}%`,
      measured: `${rss.growthPercent > 0 ? '+' : ''}${rss.growthPercent}%`,
      met: rss.samples > 1 && rss.growthPercent <= LOAD_TARGETS.rssGrowthPercent,
    },
  ];
}

/**
 * Any error (non-2xx, socket error, timeout, wrong answer) fails the run. A missed latency or
 * memory target is printed as missed but does not: on a shared 2-core machine those figures
 * move with whatever else runs, while an error is a defect whatever the load.
 */
export const loadExitCode = (report: LoadReport): number => (report.total.errors > 0 ? 1 : 0);

export function formatLoadReport(report: LoadReport): string {
  const lines: string[] = [''];
  const header = ['kind', 'role', 'conns', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms'];
  const rows = report.kinds.map((k) => [
    k.kind,
    k.role,
    String(k.connections),
    k.requests.toLocaleString('en-US'),
    String(k.requestsPerSecond),
    String(k.p50Ms),
    String(k.p95Ms),
    String(k.p99Ms),
    `${k.errors} (non-2xx ${k.non2xx}, socket ${k.socketErrors}, timeouts ${k.timeouts}` +
      `${k.wrongAnswers ? `, wrong answers ${k.wrongAnswers}` : ''})`,
  ]);
  rows.push([
    'all',
    '',
    String(report.connections),
    report.total.requests.toLocaleString('en-US'),
    String(report.total.requestsPerSecond),
    '',
    '',
    '',
    String(report.total.errors),
  ]);
  lines.push(...table([...header, 'errors'], rows, [2, 3, 4, 5, 6, 7]));

  const { rss } = report;
  lines.push(
    '',
    `service RSS: peak ${rss.peakMb} MiB (VmHWM since start, start-up import included), ` +
      `${rss.loadPeakMb} MiB at most during the load (${rss.samples} samples); ` +
      `growth over the last ${rss.growthWindowSeconds} s: ${rss.growthPercent}%`,
    `CPU during the load: service ${report.cpu.serviceCores} cores, load generator ` +
      `${report.cpu.loadGeneratorCores} cores (PostgreSQL and anything else running use the rest)`,
    '',
  );
  const checks = targetChecks(report);
  lines.push(
    ...table(
      ['target', 'measured', ''],
      checks.map((c) => [c.target, c.measured, c.met ? 'met' : 'MISSED']),
      [1],
    ),
  );

  const failing = report.kinds.filter((k) => Object.keys(k.errorMessages).length > 0);
  if (failing.length > 0) lines.push('', 'errors seen (first request id of each):');
  for (const k of failing) {
    for (const [message, count] of Object.entries(k.errorMessages)) {
      lines.push(`  ${k.kind}: ${count} x ${message}`);
    }
  }
  lines.push(
    '',
    `(${report.durationSeconds} s of load after a ${report.startupImport.seconds} s start-up ` +
      `with its import of ${report.startupImport.files} files)`,
    `LOAD ${JSON.stringify(report)}`,
  );
  return lines.join('\n');
}

/** Text columns, the numeric ones (`rightAligned`) aligned right. */
function table(header: string[], rows: string[][], rightAligned: number[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    rightAligned.includes(i) ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  return all.map((r) => r.map(cell).join('  ').trimEnd());
}
