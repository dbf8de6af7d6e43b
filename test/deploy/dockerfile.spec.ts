/**
 * docker/Dockerfile, checked statically (no Docker engine here): it parses cleanly, builds in
 * two stages with the same npm scripts CI runs, and ships a non-root, secret-free runtime.
 */
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './compose-stack';

const content = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(content);
const instructions = dockerfile.getInstructions();
const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
const runtime = instructions.slice(lastFrom);
const build = instructions.slice(0, lastFrom);

const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const withKeyword = (list: Instruction[], keyword: string) =>
  list.filter((i) => i.getKeyword() === keyword);
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('docker/Dockerfile', () => {
  it('has no syntax or semantic errors (dockerfile-utils validator)', () => {
    const errors = validate(content).filter((d) => d.severity === ValidationSeverity.ERROR);
    expect(errors.map((d) => d.message)).toEqual([]);
  });

  it('is a multi-stage build whose runtime stage copies only dist/ from the build stage', () => {
    expect(dockerfile.getFROMs().length).toBeGreaterThanOrEqual(2);
    const fromBuild = withKeyword(runtime, 'COPY')
      .map((c) => c.getTextContent())
      .filter((text) => text.includes('--from='));
    expect(fromBuild).toEqual(['COPY --from=build /app/dist ./dist']);
  });

  it('starts from a Node.js slim image pinned by major version', () => {
    const image = withKeyword(dockerfile.getInitialARGs(), 'ARG')
      .map(args)
      .find((a) => a.startsWith('NODE_IMAGE='));
    expect(image).toMatch(/^NODE_IMAGE=node:\d+-[a-z]+-slim$/);
    for (const from of dockerfile.getFROMs()) expect(from.getImage()).toBe('${NODE_IMAGE}');
  });

  it('compiles with the npm scripts CI runs: npm ci, then npm run build', () => {
    const runs = withKeyword(build, 'RUN').map(args);
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    expect(packageJson.scripts.build).toBeDefined();
  });

  it('installs only production dependencies in the runtime stage', () => {
    const runs = withKeyword(runtime, 'RUN').map(args).join('\n');
    expect(runs).toMatch(/npm ci --omit=dev/);
    expect(runs).not.toMatch(/npm (install|i) /);
  });

  it('runs the compiled entry point directly, as the unprivileged node user', () => {
    const user = withKeyword(runtime, 'USER').map(args);
    expect(user).toEqual(['node']);
    const cmd = withKeyword(runtime, 'CMD').map(args);
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0])).toEqual(['node', '--enable-source-maps', 'dist/src/main.js']);
    // The same file `npm start` runs, minus its prestart rebuild.
    expect(packageJson.scripts.start).toContain('dist/src/main.js');
  });

  it('checks readiness with node (no curl in slim images) on /health/ready', () => {
    const checks = withKeyword(runtime, 'HEALTHCHECK').map(args);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toContain('CMD ["node", "-e"');
    expect(checks[0]).toContain('/health/ready');
    expect(withKeyword(runtime, 'EXPOSE').map(args)).toEqual(['3000']);
  });

  it('bakes no secret into the image: no ENV or ARG with a secret-looking name', () => {
    const declared = [
      ...dockerfile.getENVs().flatMap((env) => env.getProperties()),
      ...dockerfile.getARGs().flatMap((arg) => arg.getProperty() ?? []),
      ...dockerfile.getInitialARGs().flatMap((arg) => arg.getProperty() ?? []),
    ];
    expect(declared.length).toBeGreaterThan(0);
    const secretLooking = declared
      .map((p) => p.getName())
      .filter((name) => /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL/i.test(name));
    expect(secretLooking).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it.each([
    '.data',
    'node_modules',
    'test',
    'dist',
    'coverage',
    '.git',
    'bench',
    'bench-data',
    '.env',
  ])('keeps %s out of the build context', (entry) => expect(ignored).toContain(entry));

  it('keeps docker/.env out of the build context', () => {
    expect(ignored).toContain('**/.env');
  });
});
