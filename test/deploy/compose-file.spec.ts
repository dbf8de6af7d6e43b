/**
 * The Compose stack, checked without a Docker engine: the official Compose Specification
 * schema, the paths it builds and mounts, what it publishes, and how it starts.
 */
import Ajv2019 from 'ajv/dist/2019';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  COMPOSE_FILE,
  DOCKER_DIR,
  loadCompose,
  loadYaml,
  mountsOf,
  REPO_ROOT,
  ROOT_COMPOSE_FILE,
} from './compose-stack';

const compose = loadCompose();
const namedVolumes = Object.keys(compose.volumes ?? {});
const service = (name: string) => compose.services[name];
const mounts = (name: string) => mountsOf(service(name), namedVolumes);

/**
 * The schema still carries draft-04 style `id` members (documentation only: every `$ref` is a
 * JSON pointer), which Ajv refuses; they are dropped on load, the file stays as published.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

function validator() {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // The spec's one custom format: a container port or range, optionally with a protocol.
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  const schemaFile = join(REPO_ROOT, 'test/fixtures/compose-spec/compose-spec.json');
  return ajv.compile(withoutLegacyIds(JSON.parse(readFileSync(schemaFile, 'utf8'))) as object);
}

describe('the Compose files', () => {
  const validate = validator();

  it.each([
    ['docker/docker-compose.yml', COMPOSE_FILE],
    ['compose.yaml (root, includes the stack)', ROOT_COMPOSE_FILE],
  ])('%s conforms to the Compose Specification schema', (_name, file) => {
    const valid = validate(loadYaml(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check catches a malformed service (it is not vacuous)', () => {
    const broken = structuredClone(compose);
    (broken.services.app as Record<string, unknown>).depends_on = {
      postgres: { condition: 'healthy-ish' },
    };
    expect(validate(broken)).toBe(false);
  });

  it('the root compose.yaml includes docker/docker-compose.yml under the same project name', () => {
    const root = loadYaml(ROOT_COMPOSE_FILE) as { name: string; include: { path: string }[] };
    expect(root.include.map((i) => join(REPO_ROOT, i.path))).toEqual([COMPOSE_FILE]);
    // Otherwise the two documented commands would create different volumes (a fresh database).
    expect(root.name).toBe(compose.name);
  });

  it('runs PostgreSQL, the service, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['alertmanager', 'app', 'grafana', 'postgres', 'prometheus'].sort(),
    );
  });
});

describe('paths the stack builds from and mounts', () => {
  it('builds the service image from the repository root with docker/Dockerfile', () => {
    const build = service('app').build!;
    expect(join(DOCKER_DIR, build.context)).toBe(REPO_ROOT);
    expect(statSync(join(REPO_ROOT, build.dockerfile!)).isFile()).toBe(true);
  });

  it('every bind-mount source exists in the repository', () => {
    const binds = Object.keys(compose.services).flatMap((name) =>
      mounts(name).filter((m) => m.type === 'bind'),
    );
    const sources = binds.map((bind) => relative(REPO_ROOT, bind.source!));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => source.startsWith('..'))).toEqual([]);
    expect(sources.filter((source) => !existsSync(join(REPO_ROOT, source)))).toEqual([]);
  });

  it('every bind mount is read-only: containers never write into the repository', () => {
    for (const name of Object.keys(compose.services)) {
      for (const bind of mounts(name).filter((m) => m.type === 'bind')) {
        expect({ service: name, target: bind.target, readOnly: bind.readOnly }).toEqual({
          service: name,
          target: bind.target,
          readOnly: true,
        });
      }
    }
  });

  it('every named volume a service uses is declared', () => {
    for (const name of Object.keys(compose.services)) {
      for (const volume of mounts(name).filter((m) => m.type === 'volume')) {
        expect(namedVolumes).toContain(volume.source);
      }
    }
  });

  it('mounts the sample data read-only at the import directory the service scans', () => {
    const data = mounts('app').find((m) => m.source === join(REPO_ROOT, 'data'));
    expect(data).toMatchObject({ type: 'bind', readOnly: true });
    expect(service('app').environment!.IMPORT_DIR).toBe(data!.target);
  });

  it('keeps PostgreSQL 18 data in a named volume at /var/lib/postgresql (the 18+ image layout)', () => {
    expect(service('postgres').image).toMatch(/^postgres:18\b/);
    expect(mounts('postgres')).toEqual([
      { type: 'volume', source: 'postgres-data', target: '/var/lib/postgresql', readOnly: false },
    ]);
  });
});

describe('start-up order and exposure', () => {
  it('the service waits for a healthy database, with no sleep loop', () => {
    expect(service('postgres').healthcheck).toMatchObject({
      test: expect.arrayContaining([expect.stringContaining('pg_isready')]),
    });
    expect(service('app').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(JSON.stringify(compose)).not.toMatch(/\bsleep\b/);
  });

  it('publishes ports only for the API, Grafana and Prometheus; never the database', () => {
    const published = Object.entries(compose.services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(['app', 'grafana', 'prometheus']);
    expect(service('postgres').ports).toBeUndefined();
    expect(service('postgres').expose).toBeUndefined();
  });

  it('can scale the service out: no fixed container name, a host port range is configurable', () => {
    expect(service('app').container_name).toBeUndefined();
    expect(service('app').ports).toEqual(['${APP_PORTS:-3000}:3000']);
  });
});
