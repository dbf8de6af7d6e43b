/**
 * Runs the compiled service (`node dist/src/main.js`, what `npm start` runs) as a child process,
 * for tests that need the real start-up and shutdown path.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

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

  static start(env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, [join(__dirname, '../../dist/src/main.js')], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
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

  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill(signal);
    return this.exited;
  }

  wait(): Promise<number | null> {
    return this.exited;
  }
}
