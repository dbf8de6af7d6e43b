/**
 * The image's HEALTHCHECK command, taken verbatim from docker/Dockerfile and run with the same
 * Node.js: healthy only when /health/ready answers 2xx.
 */
import { DockerfileParser } from 'dockerfile-ast';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../support/service-process';
import { TestDatabase } from '../support/test-database';
import { REPO_ROOT } from './compose-stack';
import { ReplicaSet } from './replica-set';

/** The exec-form arguments after `CMD` in the HEALTHCHECK instruction. */
function healthcheckCommand(): string[] {
  const content = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
  const [check] = DockerfileParser.parse(content).getHEALTHCHECKs();
  const text = check.getArgumentsContent()!.replace(/\\\n/g, ' ');
  return JSON.parse(text.slice(text.indexOf('CMD') + 3).trim()) as string[];
}

/** Runs the check as Docker would, with the container's PORT; resolves with its exit code. */
function runHealthcheck(port: number): Promise<number> {
  const [command, ...args] = healthcheckCommand();
  expect(command).toBe('node');
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { PORT: String(port) } }, (error) =>
      resolve(error ? Number(error.code ?? 1) : 0),
    );
  });
}

describe('the image HEALTHCHECK', () => {
  let db: TestDatabase;
  const replicas = new ReplicaSet();
  let unready: Server;

  beforeAll(async () => {
    db = await TestDatabase.create();
    unready = createServer((_req, res) => res.writeHead(503).end('{"status":"error"}'));
    await new Promise<void>((resolve) => unready.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await replicas.stop();
    await new Promise((resolve) => unready.close(resolve));
    await db.drop();
  });

  it('passes against a running, ready service', async () => {
    const [replica] = await replicas.start(1, db.environment({ LOG_LEVEL: 'log' }));
    expect(await runHealthcheck(Number(new URL(replica.url).port))).toBe(0);
  });

  it('fails when readiness answers 503', async () => {
    const { port } = unready.address() as { port: number };
    expect(await runHealthcheck(port)).toBe(1);
  });

  it('fails when nothing listens', async () => {
    expect(await runHealthcheck(await freePort())).toBe(1);
  });
});
