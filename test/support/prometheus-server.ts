/**
 * A real Prometheus (Debian's `prometheus` package) for tests: temporary config and storage,
 * a free port on 127.0.0.1, stopped and removed afterwards.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-process';

/** Absolute path of a command, or a failure that says how to install it (never a skip). */
export function requireCommand(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) {
    throw new Error(
      `${name} is not installed: run \`apt-get install --no-install-recommends prometheus\` ` +
        `(Debian's package; \`npm test\` installs it when run as root). This test needs the real binary.`,
    );
  }
  return path;
}

export interface PrometheusQueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

export class PrometheusServer {
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  static async start(options: { target: string; ruleFile: string }): Promise<PrometheusServer> {
    const binary = requireCommand('prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'smartretail-prometheus-'));
    const port = await freePort();
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(options.ruleFile)}`,
      'scrape_configs:',
      '  - job_name: prometheus',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '  - job_name: smartretail',
      '    static_configs:',
      `      - targets: ['${options.target}']`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const child = spawn(
      binary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`, dir);
    await server.waitUntil(async () => (await fetch(`${server.url}/-/ready`)).ok, 'ready');
    return server;
  }

  async query(expr: string): Promise<PrometheusQueryResult> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as PrometheusQueryResult;
  }

  /** Grafana's `label_values(metric, label)` variable query, through the labels API. */
  async labelValues(metric: string, label: string): Promise<string[]> {
    const res = await fetch(
      `${this.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(metric)}`,
    );
    return ((await res.json()) as { data: string[] }).data;
  }

  async waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`prometheus exited:\n${this.output}`);
      if (await condition().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`prometheus never got ${what}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
