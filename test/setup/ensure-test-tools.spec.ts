import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs the real pretest script with PATH pointing at a directory of stand-ins, so no test ever
// installs anything: `apt-get` and `apt-cache` there only record how they were called.
const SCRIPT = join(__dirname, 'ensure-test-tools.mjs');
const INSTALL = 'apt-get install -y --no-install-recommends prometheus';

interface Bin {
  dir: string;
  aptCalls: () => string[];
}

function executable(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A bin directory holding the given stand-ins; apt-get's install creates the tools it names. */
function binWith(tools: {
  prometheus?: boolean;
  psql?: boolean;
  apt?: boolean;
  aptKnowsPackage?: boolean;
  installProvides?: boolean;
}): Bin {
  const dir = mkdtempSync(join(tmpdir(), 'test-tools-'));
  const log = join(dir, 'apt.log');
  writeFileSync(log, '');
  if (tools.prometheus) {
    executable(join(dir, 'promtool'), 'exit 0');
    executable(join(dir, 'prometheus'), 'exit 0');
  }
  if (tools.psql) executable(join(dir, 'psql'), 'exit 0');
  if (tools.apt) {
    const tool = (name: string) =>
      `printf '#!/bin/sh\\n' > "${dir}/${name}"; /bin/chmod +x "${dir}/${name}"`;
    const provide = tools.installProvides
      ? `for p in "$@"; do
           case "$p" in
             prometheus) ${tool('promtool')}; ${tool('prometheus')} ;;
             postgresql-client) ${tool('psql')} ;;
           esac
         done`
      : ':';
    executable(
      join(dir, 'apt-get'),
      `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> "${log}"
       if [ "$1" = install ]; then ${provide}; fi
       exit 0`,
    );
    executable(
      join(dir, 'apt-cache'),
      `echo "apt-cache $*" >> "${log}"; exit ${tools.aptKnowsPackage ? 0 : 100}`,
    );
  }
  return {
    dir,
    aptCalls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

function ensure(bin: Bin, uid: number) {
  const result = spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: bin.dir, ENSURE_TEST_TOOLS_UID: String(uid) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: result.status, stderr: result.stderr };
}

describe('pretest: ensure-test-tools', () => {
  const dirs: string[] = [];
  const bin = (tools: Parameters<typeof binWith>[0]) => {
    const made = binWith(tools);
    dirs.push(made.dir);
    return made;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('does nothing when promtool, prometheus and psql are on PATH, even as root', () => {
    const tools = bin({ prometheus: true, psql: true, apt: true });
    expect(ensure(tools, 0)).toEqual({ code: 0, stderr: '' });
    expect(tools.aptCalls()).toEqual([]);
  });

  it('as another user, installs nothing and fails with the exact command to run', () => {
    const tools = bin({ apt: true });
    const { code, stderr } = ensure(tools, 1000);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `npm test needs promtool and prometheus and psql (Debian's "prometheus" and "postgresql-client" packages). ` +
        `Run: sudo apt-get update && sudo ${INSTALL} postgresql-client`,
    );
    expect(tools.aptCalls()).toEqual([]);
  });

  it('as root, installs only the package of the missing tool: postgresql-client for psql', () => {
    const tools = bin({
      prometheus: true,
      apt: true,
      aptKnowsPackage: true,
      installProvides: true,
    });
    const { code, stderr } = ensure(tools, 0);
    expect(code).toBe(0);
    expect(stderr).toContain('npm test needs psql: running');
    expect(tools.aptCalls()).toEqual([
      'apt-cache show postgresql-client',
      `apt-get install -y --no-install-recommends postgresql-client DEBIAN_FRONTEND=noninteractive`,
    ]);
  });

  it('as root, refreshes the package lists when apt does not know the package, then installs it without prompting', () => {
    const tools = bin({ psql: true, apt: true, installProvides: true });
    const { code, stderr } = ensure(tools, 0);
    expect(code).toBe(0);
    expect(stderr).toContain(`running ${INSTALL}`);
    expect(tools.aptCalls()).toEqual([
      'apt-cache show prometheus',
      'apt-get update -qq DEBIAN_FRONTEND=noninteractive',
      `${INSTALL} DEBIAN_FRONTEND=noninteractive`,
    ]);
  });

  it('as root, skips apt-get update when apt already knows the package', () => {
    const tools = bin({ psql: true, apt: true, aptKnowsPackage: true, installProvides: true });
    expect(ensure(tools, 0).code).toBe(0);
    expect(tools.aptCalls()).toEqual([
      'apt-cache show prometheus',
      `${INSTALL} DEBIAN_FRONTEND=noninteractive`,
    ]);
  });

  it('as root, fails when the install did not provide the tools', () => {
    const tools = bin({ psql: true, apt: true, aptKnowsPackage: true, installProvides: false });
    const { code, stderr } = ensure(tools, 0);
    expect(code).toBe(1);
    expect(stderr).toContain('did not provide promtool and prometheus');
  });

  it('without apt-get, fails saying what must be on PATH', () => {
    const { code, stderr } = ensure(bin({}), 0);
    expect(code).toBe(1);
    expect(stderr).toContain('apt-get is not available');
    expect(stderr).toContain('promtool and prometheus and psql are on PATH');
  });
});
