/**
 * Prometheus, Alertmanager and Grafana in the Compose stack run the repository's own monitoring
 * files (the ones the observability tests validate), mounted rather than copied, and find every
 * replica of the service.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_DIR, loadCompose, loadYaml, mountsOf, REPO_ROOT } from './compose-stack';

const compose = loadCompose();
const namedVolumes = Object.keys(compose.volumes ?? {});
const mountTargets = (service: string) =>
  Object.fromEntries(
    mountsOf(compose.services[service], namedVolumes)
      .filter((m) => m.type === 'bind')
      .map((m) => [m.source!.slice(REPO_ROOT.length + 1), m.target]),
  );

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
}
interface PrometheusConfig {
  global: unknown;
  rule_files: string[];
  alerting: unknown;
  scrape_configs: ScrapeConfig[];
}

const prometheusFile = join(REPO_ROOT, 'prometheus/prometheus.yml');
const prometheus = loadYaml(prometheusFile) as PrometheusConfig;
const serviceJob = prometheus.scrape_configs.find((j) => j.job_name === 'smartretail')!;

describe('Prometheus in the Compose stack', () => {
  it("runs the repository's own prometheus.yml and alerts.yml (mounted, not copied)", () => {
    expect(mountTargets('prometheus')).toEqual({
      'prometheus/prometheus.yml': '/etc/prometheus/prometheus.yml',
      'prometheus/alerts.yml': '/etc/prometheus/alerts.yml',
    });
    // Relative rule paths resolve against the config file's directory: /etc/prometheus.
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    const command = compose.services.prometheus.command as string[];
    expect(command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('discovers every replica of the app service through Docker DNS, on its container port', () => {
    expect(serviceJob.static_configs).toBeUndefined();
    expect(serviceJob.dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['app'], type: 'A', port: 3000 }),
    ]);
    expect(Object.keys(compose.services)).toContain('app');
    expect(compose.services.app.environment!.PORT).toBe('3000');
    expect(compose.services.app.environment!.METRICS_PORT).toBeUndefined();
  });

  it('sends alerts to the Compose Alertmanager service', () => {
    expect(prometheus.alerting).toEqual({
      alertmanagers: [{ static_configs: [{ targets: ['alertmanager:9093'] }] }],
    });
    expect(Object.keys(compose.services)).toContain('alertmanager');
  });

  it('passes `promtool check config`, alert rules included', () => {
    // promtool comes from Debian's `prometheus` package, which .ci/run installs.
    const output = execFileSync('promtool', ['check', 'config', prometheusFile], {
      encoding: 'utf8',
    });
    expect(output).toMatch(/SUCCESS: 1 rule files found/);
  });
});

describe('Alertmanager in the Compose stack', () => {
  const config = loadYaml(join(DOCKER_DIR, 'alertmanager/alertmanager.yml')) as {
    route: { receiver: string };
    receivers: { name: string; webhook_configs?: { url: string }[] }[];
  };

  it('routes every alert to a declared webhook receiver', () => {
    const receiver = config.receivers.find((r) => r.name === config.route.receiver);
    expect(receiver?.webhook_configs).toHaveLength(1);
  });

  it('ships a placeholder URL that can never deliver by accident (.invalid, RFC 2606)', () => {
    const [hook] = config.receivers.flatMap((r) => r.webhook_configs ?? []);
    expect(new URL(hook.url).hostname).toMatch(/\.invalid$/);
  });
});

describe('Grafana in the Compose stack', () => {
  const provisioning = join(REPO_ROOT, 'grafana/provisioning');
  const yamlIn = (dir: string) =>
    readdirSync(join(provisioning, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(provisioning, dir, f));

  it('mounts the repository provisioning and dashboards, not copies', () => {
    expect(mountTargets('grafana')).toEqual({
      'grafana/provisioning': '/etc/grafana/provisioning',
      'grafana/dashboards': expect.any(String),
    });
  });

  it('mounts the dashboards where the dashboard provider looks for them', () => {
    const providers = yamlIn('dashboards').flatMap(
      (file) => (loadYaml(file) as { providers: { options: { path: string } }[] }).providers,
    );
    expect(providers.length).toBeGreaterThan(0);
    for (const provider of providers) {
      expect(provider.options.path).toBe(mountTargets('grafana')['grafana/dashboards']);
    }
  });

  it('gives Grafana every environment variable its provisioning files read', () => {
    const files = [...yamlIn('datasources'), ...yamlIn('dashboards')];
    const read = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\$(?:__env)?\{?([A-Z][A-Z0-9_]*)\}?/g)].map(
        (m) => m[1],
      ),
    );
    const given = Object.keys(compose.services.grafana.environment!);
    expect([...new Set(read)].filter((name) => !given.includes(name))).toEqual([]);
  });

  it('has no default admin password: it comes from docker/.env', () => {
    expect(String(compose.services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD)).toMatch(
      /^\$\{GF_SECURITY_ADMIN_PASSWORD:\?[^}]+\}$/,
    );
  });
});
