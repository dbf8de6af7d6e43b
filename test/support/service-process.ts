/**
 * Runs the compiled service (`node dist/src/main.js`, what `npm start` runs) or a compiled CLI as
 * a child process, for tests that need the real start-up and shutdown path and real signals.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/common/free-port';

export const SERVICE_SCRIPT = join(__dirname, '../../dist/src/main.js');
export const IMPORT_CLI = join(__dirname, '../../dist/src/cli/import.js');
export const MIGRATE_CLI = join(__dirname, '../../dist/src/cli/migrate.js');

export interface ScriptOptions {
  script?: string;
  args?: string[];
  cwd?: string;
}

export { freePort };

export class ServiceProcess {
  output = '';
  private exitCode?: number | null;
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Runs the compiled service, or with `script` another compiled entry point (a CLI, or a copy
   * of the service in another checkout), with only PATH, NODE_ENV and `env` in its environment.
   */
  static start(
    env: Record<string, string>,
    { script = SERVICE_SCRIPT, args = [] as string[], cwd }: ScriptOptions = {},
  ): ServiceProcess {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    return new ServiceProcess(child);
  }

  /** Resolves once the output contains `text`; rejects if the process exits first or time runs out. */
  async waitFor(text: string | RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () =>
      typeof text === 'string' ? this.output.includes(text) : text.test(this.output);
    while (!found()) {
      if (this.exitCode !== undefined)
        throw new Error(`service exited (${this.exitCode}) before "${text}":\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for "${text}":\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `signal` and resolves with the exit code (bounded: see exitWithin). */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill(signal);
    return this.exitWithin();
  }

  wait(): Promise<number | null> {
    return this.exited;
  }

  /** The exit code; SIGKILLs the process and throws if it has not exited within `timeoutMs`. */
  async exitWithin(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'late')));
    const code = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (code !== 'late') return code;
    this.child.kill('SIGKILL');
    throw new Error(`still running after ${timeoutMs} ms:\n${this.output}`);
  }
}
