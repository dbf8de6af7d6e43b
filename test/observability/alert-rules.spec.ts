/**
 * The conventions of prometheus/alerts.yml, checked on the files themselves and with the real
 * promtool: every alert is actionable (for, severity, summary, description, a runbook section
 * that exists) and unit-tested both firing and not firing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireCommand } from '../support/prometheus-server';

const PROMETHEUS_DIR = join(__dirname, '../../prometheus');
const read = (file: string) => readFileSync(join(PROMETHEUS_DIR, file), 'utf8');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: unknown[];
}

const rules = (parse(read('alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const alerts = rules.filter((r) => r.alert);
const recorded = (name: string) => rules.find((r) => r.record === name)!.expr;
const alertExpr = (name: string) => alerts.find((r) => r.alert === name)!.expr;
const cases = (
  parse(read('alerts.test.yml')) as { tests: { alert_rule_test?: AlertTest[] }[] }
).tests.flatMap((t) => t.alert_rule_test ?? []);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
const runbookSections = read('runbooks.md')
  .split('\n')
  .filter((l) => l.startsWith('## '))
  .map((l) => l.slice(3).trim());

describe('alert rules (prometheus/alerts.yml)', () => {
  it('gives every alert a for:, a severity, a summary, a description and a runbook_url', () => {
    expect(alerts.map((r) => r.alert).sort()).toEqual([
      'SmartRetailApiErrorRatio',
      'SmartRetailApiLatencyHigh',
      'SmartRetailDataStale',
      'SmartRetailDbPoolSaturated',
      'SmartRetailHighRejectionRatio',
      'SmartRetailImportFailing',
      'SmartRetailImportStuck',
      'SmartRetailNotReady',
      'SmartRetailTargetAbsent',
      'SmartRetailTargetDown',
    ]);
    for (const rule of alerts) {
      expect({
        alert: rule.alert,
        for: rule.for,
        severity: rule.labels?.severity,
        summary: typeof rule.annotations?.summary,
        description: typeof rule.annotations?.description,
        runbook_url: rule.annotations?.runbook_url,
      }).toEqual({
        alert: rule.alert,
        for: expect.stringMatching(/^\d+[smh]$/),
        severity: expect.stringMatching(/^(critical|warning)$/),
        summary: 'string',
        description: 'string',
        runbook_url: `prometheus/runbooks.md#${anchor(rule.alert!)}`,
      });
    }
  });

  it('has one runbook section per alert, and none for an alert that does not exist', () => {
    expect(runbookSections.map(anchor).sort()).toEqual(
      alerts.map((r) => r.annotations!.runbook_url.split('#')[1]).sort(),
    );
    const runbook = read('runbooks.md');
    for (const section of runbookSections) {
      const body = runbook.split(`## ${section}\n`)[1].split('\n## ')[0];
      expect({ section, means: body.includes('**Means.**') }).toEqual({ section, means: true });
      expect({ section, check: body.includes('**Check.**') }).toEqual({ section, check: true });
      expect({ section, fix: body.includes('**Fix.**') }).toEqual({ section, fix: true });
    }
  });

  it('has, for every alert, a promtool case where it fires and one where it does not', () => {
    for (const { alert } of alerts) {
      const own = cases.filter((c) => c.alertname === alert);
      expect({
        alert,
        firing: own.some((c) => c.exp_alerts.length > 0),
        notFiring: own.some((c) => c.exp_alerts.length === 0),
      }).toEqual({ alert, firing: true, notFiring: true });
    }
  });

  it('counts API latency and errors without probes, scrapes and uploads, above a minimum traffic', () => {
    const excluded = 'route!~"/health/.*|/metrics|/datasets/:dataset/imports"';
    const requests = 'job_instance_status_class:smartretail_api_requests:rate5m';
    const buckets = 'job_instance_le:smartretail_api_request_duration_seconds_bucket:rate5m';
    expect(recorded(requests)).toContain(excluded);
    expect(recorded(buckets)).toContain(excluded);
    for (const name of ['SmartRetailApiErrorRatio', 'SmartRetailApiLatencyHigh']) {
      const expr = alertExpr(name);
      expect(expr).not.toContain('smartretail_http_request_duration_seconds');
      expect(expr).toMatch(new RegExp(`sum by \\(job\\) \\(${requests}\\) >= 0\\.1`));
    }
  });

  it('watches the smartretail job by its selector, and its disappearance with absent()', () => {
    expect(alertExpr('SmartRetailTargetDown').trim()).toBe('up{job="smartretail"} == 0');
    expect(alertExpr('SmartRetailTargetAbsent').trim()).toBe('absent(up{job="smartretail"})');
  });

  it('passes promtool check rules and every promtool unit test', () => {
    const promtool = requireCommand('promtool');
    for (const args of [
      ['check', 'rules', 'alerts.yml'],
      ['test', 'rules', 'alerts.test.yml'],
    ]) {
      const run = spawnSync(promtool, args, { cwd: PROMETHEUS_DIR, encoding: 'utf8' });
      expect({
        args,
        status: run.status,
        output: run.status ? run.stdout + run.stderr : '',
      }).toEqual({ args, status: 0, output: '' });
    }
  });
});
