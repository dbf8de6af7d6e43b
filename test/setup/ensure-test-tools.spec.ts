import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Runs the real pretest script with PATH pointing at a directory of stand-ins, so no test ever
// installs anything: `apt-get` and `apt-cache` there only record how they were called.
const SCRIPT = join(__dirname, 'ensure-test-tools.mjs');
const INSTALL = 'apt-get install -y --no-install-recommends prometheus';
const PG15 = '/usr/lib/postgresql/15/bin/postgres';
const PGBOUNCER = '/usr/sbin/pgbouncer';

interface Bin {
  dir: string;
  /** Where the script looks up the tools named by an absolute path (ENSURE_TEST_TOOLS_ROOT). */
  root: string;
  aptCalls: () => string[];
}

function executable(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A bin directory holding the given stand-ins; apt-get's install creates the tools it names. */
function binWith(tools: {
  prometheus?: boolean;
  psql?: boolean;
  pg15?: boolean;
  pgbouncer?: boolean;
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
  const root = join(dir, 'root');
  const pg15 = join(root, PG15);
  if (tools.pg15) {
    mkdirSync(dirname(pg15), { recursive: true });
    executable(pg15, 'exit 0');
  }
  const pgbouncer = join(root, PGBOUNCER);
  if (tools.pgbouncer) {
    mkdirSync(dirname(pgbouncer), { recursive: true });
    executable(pgbouncer, 'exit 0');
  }
  if (tools.apt) {
    const tool = (name: string) =>
      `printf '#!/bin/sh\\n' > "${dir}/${name}"; /bin/chmod +x "${dir}/${name}"`;
    const provide = tools.installProvides
      ? `for p in "$@"; do
           case "$p" in
             prometheus) ${tool('promtool')}; ${tool('prometheus')} ;;
             postgresql-client) ${tool('psql')} ;;
             postgresql-15) /bin/mkdir -p "${dirname(pg15)}"; printf '#!/bin/sh\n' > "${pg15}"; /bin/chmod +x "${pg15}" ;;
             pgbouncer) /bin/mkdir -p "${dirname(pgbouncer)}"; printf '#!/bin/sh\n' > "${pgbouncer}"; /bin/chmod +x "${pgbouncer}" ;;
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
    root,
    aptCalls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

function ensure(bin: Bin, uid: number) {
  const result = spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: bin.dir, ENSURE_TEST_TOOLS_UID: String(uid), ENSURE_TEST_TOOLS_ROOT: bin.root },
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

  it('does nothing when promtool, prometheus and psql are on PATH and PostgreSQL 15 and PgBouncer at their paths, even as root', () => {
    const tools = bin({ prometheus: true, psql: true, pg15: true, pgbouncer: true, apt: true });
    expect(ensure(tools, 0)).toEqual({ code: 0, stderr: '' });
    expect(tools.aptCalls()).toEqual([]);
  });

  it('as another user, installs nothing and fails with the exact command to run', () => {
    const tools = bin({ apt: true });
    const { code, stderr } = ensure(tools, 1000);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `npm test needs promtool and prometheus and psql and ${PG15} and ${PGBOUNCER} (Debian's "prometheus" and "postgresql-client" and "postgresql-15" and "pgbouncer" packages). ` +
        `Run: sudo apt-get update && sudo ${INSTALL} postgresql-client postgresql-15 pgbouncer`,
    );
    expect(tools.aptCalls()).toEqual([]);
  });

  it('as root, installs only the package of the missing tool: postgresql-client for psql', () => {
    const tools = bin({
      prometheus: true,
      pg15: true,
      pgbouncer: true,
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
    const tools = bin({
      psql: true,
      pg15: true,
      pgbouncer: true,
      apt: true,
      installProvides: true,
    });
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
    const tools = bin({
      psql: true,
      pg15: true,
      pgbouncer: true,
      apt: true,
      aptKnowsPackage: true,
      installProvides: true,
    });
    expect(ensure(tools, 0).code).toBe(0);
    expect(tools.aptCalls()).toEqual([
      'apt-cache show prometheus',
      `${INSTALL} DEBIAN_FRONTEND=noninteractive`,
    ]);
  });

  it('as root, fails when the install did not provide the tools', () => {
    const tools = bin({
      psql: true,
      pg15: true,
      pgbouncer: true,
      apt: true,
      aptKnowsPackage: true,
      installProvides: false,
    });
    const { code, stderr } = ensure(tools, 0);
    expect(code).toBe(1);
    expect(stderr).toContain('did not provide promtool and prometheus');
  });

  it('without apt-get, fails saying what must be installed', () => {
    const { code, stderr } = ensure(bin({}), 0);
    expect(code).toBe(1);
    expect(stderr).toContain('apt-get is not available');
    expect(stderr).toContain(
      `promtool and prometheus and psql and ${PG15} and ${PGBOUNCER} can run`,
    );
  });

  it('as root, installs postgresql-15 when its server is missing at its own path (not on PATH), even with a postgres on PATH', () => {
    const tools = bin({
      prometheus: true,
      psql: true,
      pgbouncer: true,
      apt: true,
      aptKnowsPackage: true,
      installProvides: true,
    });
    executable(join(tools.dir, 'postgres'), 'exit 0');
    const { code, stderr } = ensure(tools, 0);
    expect(code).toBe(0);
    expect(stderr).toContain(`npm test needs ${PG15}: running`);
    expect(tools.aptCalls()).toEqual([
      'apt-cache show postgresql-15',
      `apt-get install -y --no-install-recommends postgresql-15 DEBIAN_FRONTEND=noninteractive`,
    ]);
  });

  it('as root, installs pgbouncer when it is missing at /usr/sbin/pgbouncer', () => {
    const tools = bin({
      prometheus: true,
      psql: true,
      pg15: true,
      apt: true,
      aptKnowsPackage: true,
      installProvides: true,
    });
    const { code, stderr } = ensure(tools, 0);
    expect(code).toBe(0);
    expect(stderr).toContain(`npm test needs ${PGBOUNCER}: running`);
    expect(tools.aptCalls()).toEqual([
      'apt-cache show pgbouncer',
      `apt-get install -y --no-install-recommends pgbouncer DEBIAN_FRONTEND=noninteractive`,
    ]);
  });
});
