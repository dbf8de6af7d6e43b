import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs the real script with a stand-in npm (NODE_RUNTIME_NPM) that "installs" a shell script
// answering `--version`, so no test downloads a Node binary.
const SCRIPT = join(__dirname, 'ensure-node-runtime.mjs');
const PACKAGE = `node-${process.platform}-${process.arch}`;

const sandboxes: string[] = [];
afterAll(() => sandboxes.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Sandbox {
  cache: string;
  npmCalls: () => string[];
  run: (...args: string[]) => ReturnType<typeof spawnSync>;
}

/** A cache directory and an npm stand-in whose install provides a binary reporting `version`. */
function sandbox(version: string, { installFails = false } = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'node-runtime-'));
  const cache = join(dir, 'cache');
  const log = join(dir, 'npm.log');
  writeFileSync(log, '');
  const npm = join(dir, 'npm');
  writeFileSync(
    npm,
    `#!/bin/sh
echo "$*" >> "${log}"
echo "added 1 package in 1s"
${installFails ? 'exit 1' : ''}
bin="$3/node_modules/${PACKAGE}/bin"
mkdir -p "$bin"
printf '#!/bin/sh\\necho ${version}\\n' > "$bin/node"
chmod +x "$bin/node"
`,
    { mode: 0o755 },
  );
  sandboxes.push(dir);
  return {
    cache,
    npmCalls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    run: (...args) =>
      spawnSync(process.execPath, [SCRIPT, ...args], {
        encoding: 'utf8',
        env: { ...process.env, NODE_RUNTIME_CACHE: cache, NODE_RUNTIME_NPM: npm },
      }),
  };
}

describe('ensure-node-runtime', () => {
  it('installs the platform package of the major asked for once, then prints the cached binary', () => {
    const box = sandbox('v24.22.3');
    const first = box.run('24');
    expect(first.status).toBe(0);
    const binary = join(box.cache, `24-${process.platform}-${process.arch}`, 'node_modules');
    expect(first.stdout).toBe(`${join(binary, PACKAGE, 'bin', 'node')}\n`);
    expect(box.npmCalls()).toEqual([
      `install --prefix ${join(box.cache, `24-${process.platform}-${process.arch}`)} --no-save --no-package-lock --ignore-scripts --no-audit --no-fund ${PACKAGE}@24`,
    ]);

    const second = box.run('24');
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(box.npmCalls()).toHaveLength(1);
  });

  it('fails with the reason when the installed binary is not of that major', () => {
    const box = sandbox('v22.23.5');
    const result = box.run('24');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is v22.23.5, not Node 24');
  });

  it('fails, printing no path, when npm cannot install the package', () => {
    const box = sandbox('v24.22.3', { installFails: true });
    const result = box.run('24');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`installing ${PACKAGE}@24 with npm failed`);
  });

  it('answers a missing or malformed major with its usage (exit 2)', () => {
    const box = sandbox('v24.22.3');
    expect(box.run().status).toBe(2);
    expect(box.run('v24').stderr).toContain(
      'usage: node test/setup/ensure-node-runtime.mjs <major>',
    );
    expect(box.npmCalls()).toEqual([]);
  });
});
