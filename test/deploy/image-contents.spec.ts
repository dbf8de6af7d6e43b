/**
 * What the runtime image holds is enough to run the service: the compiled code needs only
 * production dependencies (the image installs with --omit=dev --omit=optional), and every file
 * the build stage copies is in the build context (not excluded by .dockerignore).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './compose-stack';

interface PackageJson {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const packageJson = JSON.parse(
  readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'),
) as PackageJson;

/**
 * Compiled files whose source still exists: a worktree's dist/ keeps the output of files moved
 * away since (tsc does not delete it), which a fresh image build never has.
 */
function compiledFromSource(file: string): boolean {
  const source = relative(join(REPO_ROOT, 'dist'), file).replace(/\.js$/, '.ts');
  return existsSync(join(REPO_ROOT, source));
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

/**
 * Development dependencies the service loads only when asked for, falling back without them
 * (tested below): pino-pretty, for LOG_FORMAT=pretty. The image logs JSON.
 */
const LOADED_ONLY_ON_REQUEST: Record<string, string> = {
  'pino-pretty': 'dist/src/logging/root-logger.js',
};

/** `require('x')` and `import('x')` specifiers of compiled code, reduced to package names. */
function packagesRequiredBy(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1],
  );
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

const dockerIgnored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Whether .dockerignore keeps a source file (path relative to the repository) out of the build. */
function outOfContext(source: string): boolean {
  return dockerIgnored.some((pattern) => {
    const re = new RegExp(
      `^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`,
    );
    return re.test(source);
  });
}

describe('the runtime image', () => {
  it('the compiled service (dist/src, dist/migrations) needs only production dependencies', () => {
    const files = [
      ...jsFiles(join(REPO_ROOT, 'dist/src')),
      ...jsFiles(join(REPO_ROOT, 'dist/migrations')),
    ]
      .filter((f) => !f.endsWith('.spec.js'))
      .filter(compiledFromSource);
    expect(files.length).toBeGreaterThan(10);
    const production = new Set(Object.keys(packageJson.dependencies));
    const missing = files.flatMap((file) =>
      packagesRequiredBy(file)
        .filter((name) => !production.has(name) && !builtinModules.includes(name))
        .filter((name) => LOADED_ONLY_ON_REQUEST[name] !== relative(REPO_ROOT, file))
        .map((name) => `${relative(REPO_ROOT, file)} requires ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('logs JSON, and says why, when LOG_FORMAT=pretty is asked of an install without pino-pretty', () => {
    // The root logger alone, beside a node_modules that has pino but not pino-pretty.
    const dir = mkdtempSync(join(tmpdir(), 'smartretail-no-pretty-'));
    try {
      copyFileSync(join(REPO_ROOT, 'dist/src/logging/root-logger.js'), join(dir, 'root-logger.js'));
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(join(REPO_ROOT, 'node_modules/pino'), join(dir, 'node_modules/pino'));
      const output = execFileSync(
        process.execPath,
        [
          '-e',
          `require('./root-logger.js')
             .createRootLogger({ logLevel: 'log', logFormat: 'pretty' })
             .then((logger) => logger.info('after the fallback'))`,
        ],
        { cwd: dir, encoding: 'utf8' },
      );
      const lines = output
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: string; msg: string });
      expect(lines).toEqual([
        expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/needs pino-pretty/) }),
        expect.objectContaining({ level: 'info', msg: 'after the fallback' }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves the benchmark and load tooling out of the build context, the image build and dist/src', () => {
    expect(outOfContext('bench/load-traffic.ts')).toBe(true);
    expect(outOfContext('bench/cli/load.ts')).toBe(true);
    expect(outOfContext('src/cli/import.ts')).toBe(false);
    // What the image's `npm run build` compiles: the product's tsconfig, and nothing under bench/.
    const compiled = execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--listFilesOnly'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    )
      .split('\n')
      .filter((f) => f.startsWith(REPO_ROOT) && !f.includes('/node_modules/'))
      .map((f) => relative(REPO_ROOT, f));
    expect(compiled).toEqual(expect.arrayContaining(['src/main.ts']));
    expect(compiled.filter((f) => f.startsWith('bench/'))).toEqual([]);
    const product = jsFiles(join(REPO_ROOT, 'dist/src')).filter(compiledFromSource);
    const reachingIntoTooling = product.filter((f) =>
      /require\(["'][./]*bench\//.test(readFileSync(f, 'utf8')),
    );
    expect(reachingIntoTooling.map((f) => relative(REPO_ROOT, f))).toEqual([]);
  });

  it('declares no optional dependency itself: --omit=optional drops only the embedded PostgreSQL binaries', () => {
    const optional = Object.keys(packageJson.optionalDependencies ?? {});
    expect(optional).toEqual([]);
  });
});

describe('the build stage', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
  const ignored = dockerIgnored;
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
    m[1].trim().split(/\s+/),
  );

  it('copies only files that exist in the repository and are not excluded from the context', () => {
    expect(copied).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'migrations']),
    );
    for (const path of copied) {
      expect({ path, exists: existsSync(join(REPO_ROOT, path)) }).toEqual({ path, exists: true });
      expect(ignored).not.toContain(path);
    }
  });

  it('copies every source tree tsconfig.build.json compiles', () => {
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    for (const dir of build.include) {
      expect(statSync(join(REPO_ROOT, dir)).isDirectory()).toBe(true);
      expect(copied).toContain(dir);
    }
  });
});
