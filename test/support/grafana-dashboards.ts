/**
 * Reads the provisioned Grafana dashboards and turns every panel target and template variable
 * into a query a test can run: PromQL for Prometheus, SQL for PostgreSQL, with Grafana's
 * macros and variables expanded the way Grafana would for a fixed time range.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_DIR = join(__dirname, '../../grafana/dashboards');
/** Dashboards name no datasource uid: `${datasource}`, a datasource variable, of one of these types. */
export const PROMETHEUS = 'prometheus';
export const POSTGRES = 'grafana-postgresql-datasource';

interface DatasourceRef {
  type?: string;
  uid?: string;
}
interface Target {
  refId: string;
  datasource?: DatasourceRef;
  expr?: string;
  rawSql?: string;
}
interface Panel {
  title: string;
  datasource?: DatasourceRef;
  targets?: Target[];
  /** Our convention (see grafana/README.md): true when the sample data must fill the panel. */
  smartretailExpectsData?: boolean;
}
interface Variable {
  name: string;
  type: string;
  datasource?: DatasourceRef;
  query?: string | { query: string };
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  datasourceType: string;
  query: string;
  expectsData: boolean | undefined;
}

export function loadDashboards(dir = DASHBOARD_DIR): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard);
}

export function panelQueries(dashboards: Dashboard[]): PanelQuery[] {
  return dashboards.flatMap((d) =>
    d.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: d.title,
        panel: p.title,
        refId: t.refId,
        datasourceType: t.datasource?.type ?? p.datasource?.type ?? '',
        query: t.expr ?? t.rawSql ?? '',
        expectsData: p.smartretailExpectsData,
      })),
    ),
  );
}

export function variableQueries(dashboards: Dashboard[]) {
  return dashboards.flatMap((d) =>
    d.templating.list.map((v) => ({
      dashboard: d.title,
      name: v.name,
      type: v.type,
      datasourceType: v.datasource?.type ?? '',
      query: typeof v.query === 'string' ? v.query : (v.query?.query ?? ''),
    })),
  );
}

/** Grafana's interval variables, then dashboard variables (`$name` or `${name}`). */
export function expandPromQL(expr: string, variables: Record<string, string>): string {
  return substitute(
    expr
      .replaceAll('$__rate_interval', '1m')
      .replaceAll('$__interval', '15s')
      .replaceAll('$__range', '1h'),
    variables,
  );
}

export interface TimeRange {
  from: string;
  to: string;
}

/** The PostgreSQL datasource's macros for a fixed range, then dashboard variables. */
export function expandSql(sql: string, range: TimeRange, variables: Record<string, string>) {
  const from = `'${range.from}'::timestamptz`;
  const to = `'${range.to}'::timestamptz`;
  return substitute(
    sql
      .replace(
        /\$__timeFilter\(([^)]+)\)/g,
        (_, column: string) => `${column} BETWEEN ${from} AND ${to}`,
      )
      .replaceAll('$__timeFrom()', from)
      .replaceAll('$__timeTo()', to),
    variables,
  );
}

function substitute(text: string, variables: Record<string, string>): string {
  const expanded = text.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    return name in variables ? variables[name] : match;
  });
  const left = /\$\{?\w+/.exec(expanded);
  if (left) throw new Error(`unexpanded Grafana variable ${left[0]} in: ${expanded}`);
  return expanded;
}
