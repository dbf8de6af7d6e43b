/**
 * The conventions of grafana/dashboards/*.json, on the files: importable into an existing
 * Grafana (datasource variables and __inputs, no fixed datasource uid), $job/$instance on the
 * Prometheus dashboard, a unit on every panel, counters only through rate()/increase(), a
 * default refresh, links between the two dashboards, the 5xx panel on its alert's recording rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARD_DIR, POSTGRES, PROMETHEUS } from '../support/grafana-dashboards';

interface Panel {
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { datasource?: { type?: string; uid?: string }; expr?: string }[];
  fieldConfig?: { defaults?: { unit?: string } };
}
interface Dashboard {
  uid: string;
  title: string;
  refresh: string;
  __inputs?: { name: string; type: string; pluginId: string }[];
  links: { type: string; url?: string }[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
  panels: Panel[];
}

const load = (file: string) =>
  JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard;
const pipeline = load('smartretail-pipeline.json');
const business = load('smartretail-business.json');
const dashboards = [pipeline, business];
const typeOf = (d: Dashboard) => (d === pipeline ? PROMETHEUS : POSTGRES);
const exprs = (d: Dashboard) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

describe('dashboard conventions (grafana/dashboards)', () => {
  it.each(dashboards.map((d) => [d.title, d] as const))(
    '%s: datasource variable, __inputs for import, no fixed datasource uid',
    (_title, d) => {
      const variable = d.templating.list.find((v) => v.type === 'datasource');
      expect(variable).toMatchObject({ name: 'datasource', query: typeOf(d) });
      expect(d.__inputs).toEqual([
        expect.objectContaining({ type: 'datasource', pluginId: typeOf(d) }),
      ]);
      const refs = [
        ...d.panels.flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
        ...d.templating.list
          .filter((v) => v.type !== 'datasource')
          .map((v) => (v as { datasource?: Panel['datasource'] }).datasource),
      ];
      for (const ref of refs) expect(ref).toEqual({ type: typeOf(d), uid: '${datasource}' });
    },
  );

  it.each(dashboards.map((d) => [d.title, d] as const))(
    '%s: a unit on every panel, a default refresh, a link to the other dashboard',
    (_title, d) => {
      for (const p of d.panels) {
        expect({ panel: p.title, unit: typeof p.fieldConfig?.defaults?.unit }).toEqual({
          panel: p.title,
          unit: 'string',
        });
      }
      expect(d.refresh).toMatch(/^\d+[smh]$/);
      const other = d === pipeline ? business : pipeline;
      expect(d.links).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'link', url: `/d/${other.uid}` })]),
      );
    },
  );

  it('filters every service metric of the Pipeline dashboard by $job and $instance', () => {
    expect(pipeline.templating.list.map((v) => v.name)).toEqual(
      expect.arrayContaining(['job', 'instance', 'dataset']),
    );
    for (const expr of exprs(pipeline).filter((e) => !e.startsWith('ALERTS'))) {
      expect({ expr, job: expr.includes('job=~"$job"') }).toEqual({ expr, job: true });
    }
  });

  it('reads counters and histograms only through rate() or increase()', () => {
    const counter = /(\w+(?:_total|_bucket|_sum|_count))\b(?=\{|\[)/g;
    for (const expr of exprs(pipeline)) {
      for (const m of expr.matchAll(counter)) {
        if (m[1] === 'smartretail_last_insert_count') continue; // a gauge (seed name)
        const before = expr.slice(0, m.index);
        expect({ expr, metric: m[1], wrapped: /(rate|increase)\($/.test(before) }).toEqual({
          expr,
          metric: m[1],
          wrapped: true,
        });
      }
    }
  });

  it('computes staleness as max by (dataset) of the last success, freshest replica first', () => {
    const staleness = exprs(pipeline).filter((e) =>
      e.includes('smartretail_last_success_timestamp_seconds'),
    );
    expect(staleness).toEqual([
      expect.stringMatching(/^time\(\) - max by \(dataset\) \(smartretail_last_success/),
    ]);
  });

  it('shows the 5xx ratio from the recording rule SmartRetailApiErrorRatio uses, at its threshold', () => {
    const rules = readFileSync(join(__dirname, '../../prometheus/alerts.yml'), 'utf8');
    const alert = (
      parse(rules) as { groups: { rules: { alert?: string; expr: string }[] }[] }
    ).groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === 'SmartRetailApiErrorRatio')!;
    const recording = 'job_instance_status_class:smartretail_api_requests:rate5m';
    expect(alert.expr).toContain(recording);
    expect(alert.expr).toContain('> 0.05');
    const panel = pipeline.panels.find((p) => p.title.includes('5xx'))! as Panel & {
      fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } };
    };
    expect(panel.targets![0].expr).toContain(
      `${recording}{job=~"$job",instance=~"$instance",status_class="5xx"}`,
    );
    expect(panel.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([null, 0.05]);
  });

  it('shows data quality on the Business dashboard with its own alert threshold', () => {
    const panel = business.panels.find(
      (p) => p.title === 'Data quality: receipts in anomaly',
    )! as Panel & {
      fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } };
      targets: { rawSql: string }[];
    };
    expect(panel.targets[0].rawSql).toContain('kpi_data_quality_daily');
    expect(panel.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([
      null,
      0.01,
      0.05,
    ]);
  });
});
