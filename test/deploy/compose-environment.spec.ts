/**
 * The variables the Compose stack passes to the service agree with the service's one validated
 * configuration (src/config/), and every secret comes from the git-ignored docker/.env.
 */
import { getMetadataStorage } from 'class-validator';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ConfigurationError, loadConfig } from '../../src/config/app-config';
import { EnvironmentVariables } from '../../src/config/environment-variables';
import {
  allStrings,
  documentedNames,
  ENV_EXAMPLE_FILE,
  interpolate,
  loadCompose,
  parseEnvFile,
  references,
  REPO_ROOT,
} from './compose-stack';

const compose = loadCompose();
const appEnvironment = compose.services.app.environment!;

/** Every variable the configuration declares (validated or optional). */
const knownVariables = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .map((m) => m.propertyName),
);

/** The variables the real validation reports missing when nothing is set outside embedded mode. */
function requiredOutsideEmbeddedMode(): string[] {
  try {
    loadConfig({}, { embedded: false });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return [...new Set(error.problems.map((p) => /^([A-Z][A-Z0-9_]*)/.exec(p)![1]))].sort();
  }
  throw new Error('an empty environment was accepted outside embedded mode');
}

/** docker/.env as an operator fills it in: every placeholder replaced by a fresh random secret. */
const filledEnvFile = () =>
  Object.fromEntries(
    Object.keys(parseEnvFile(ENV_EXAMPLE_FILE)).map((name) => [
      name,
      randomBytes(32).toString('hex'),
    ]),
  );

const isSecretName = (name: string) => /KEY|SECRET|PASSWORD|TOKEN/.test(name);

describe('the service environment in docker/docker-compose.yml', () => {
  it('passes every variable the configuration requires outside embedded mode', () => {
    const required = requiredOutsideEmbeddedMode();
    expect(required).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'ENCRYPTION_KEY', 'JWT_SECRET', 'APP_DB_PASSWORD']),
    );
    const missing = required.filter((name) => !(name in appEnvironment));
    expect(missing).toEqual([]);
  });

  it('passes only variables the configuration knows', () => {
    const unknown = Object.keys(appEnvironment).filter((name) => !knownVariables.has(name));
    expect(unknown).toEqual([]);
  });

  it('is accepted by the service configuration once docker/.env is filled in', () => {
    const env = Object.fromEntries(
      Object.entries(appEnvironment).map(([name, value]) => [
        name,
        interpolate(String(value), filledEnvFile()),
      ]),
    );
    const config = loadConfig(env, { embedded: false });
    expect(config.embedded).toBe(false);
    expect(new URL(config.databaseUrl).host).toBe('postgres:5432');
    expect(config.importOnStart).toBe(true);
  });

  it('refuses to start when docker/.env lacks a secret (Compose `:?` interpolation)', () => {
    const env = filledEnvFile();
    delete env.ENCRYPTION_KEY;
    expect(() => interpolate(String(appEnvironment.ENCRYPTION_KEY), env)).toThrow(/ENCRYPTION_KEY/);
  });

  it('takes every secret from docker/.env, never from a value written in the Compose file', () => {
    const secrets = Object.entries(appEnvironment).filter(([name]) => isSecretName(name));
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const [name, value] of secrets) {
      expect({ name, refs: references(String(value)) }).toEqual({
        name,
        refs: [expect.objectContaining({ required: true })],
      });
    }
    const url = references(String(appEnvironment.DATABASE_URL));
    expect(url).toEqual([expect.objectContaining({ name: 'POSTGRES_PASSWORD', required: true })]);
  });
});

describe('docker/.env.example', () => {
  const example = parseEnvFile(ENV_EXAMPLE_FILE);
  const referenced = allStrings(compose).flatMap(references);

  it('sets every variable the Compose file requires, with a placeholder value', () => {
    const required = [...new Set(referenced.filter((r) => r.required).map((r) => r.name))];
    expect(required.filter((name) => !(name in example))).toEqual([]);
    for (const name of required) expect(example[name]).toMatch(/^(change-me|admin)$/);
  });

  it('documents every optional variable the Compose file reads', () => {
    const documented = documentedNames(ENV_EXAMPLE_FILE);
    const optional = [...new Set(referenced.filter((r) => !r.required).map((r) => r.name))];
    expect(optional.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('holds placeholders the service rejects, so nobody runs with the example secrets', () => {
    const env = Object.fromEntries(
      Object.entries(appEnvironment).map(([name, value]) => [
        name,
        interpolate(String(value), example),
      ]),
    );
    expect(() => loadConfig(env, { embedded: false })).toThrow(ConfigurationError);
  });

  it('is the only place the Grafana admin password has a default', () => {
    const grafana = compose.services.grafana.environment!;
    expect(references(String(grafana.GF_SECURITY_ADMIN_PASSWORD))).toEqual([
      expect.objectContaining({ name: 'GF_SECURITY_ADMIN_PASSWORD', required: true }),
    ]);
  });
});

describe('secret files stay out of git', () => {
  it.each(['docker/.env', '.env'])('%s is git-ignored', (path) => {
    const ignored = execFileSync('git', ['check-ignore', '--no-index', path], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(ignored.trim()).toBe(path);
  });
});
