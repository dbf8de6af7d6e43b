/**
 * Reads the Compose stack the way Docker Compose would (without a Docker engine): YAML parsing,
 * `${VAR}` interpolation from an env file, and bind-mount sources resolved against docker/.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '../..');
export const DOCKER_DIR = join(REPO_ROOT, 'docker');
export const COMPOSE_FILE = join(DOCKER_DIR, 'docker-compose.yml');
export const ROOT_COMPOSE_FILE = join(REPO_ROOT, 'compose.yaml');
export const ENV_EXAMPLE_FILE = join(DOCKER_DIR, '.env.example');

export interface VolumeMount {
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  target: string;
  readOnly: boolean;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string>;
  volumes?: (string | Record<string, unknown>)[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export const loadYaml = (file: string): unknown => parse(readFileSync(file, 'utf8'));

export const loadCompose = (): ComposeFile => loadYaml(COMPOSE_FILE) as ComposeFile;

/** KEY=value lines of an env file; comments and blank lines ignored. */
export function parseEnvFile(file: string): Record<string, string> {
  const entries = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at).trim(), line.slice(at + 1).trim()] as const;
    });
  return Object.fromEntries(entries);
}

/** Names mentioned in an env file, set or commented out (`# NAME=...` documents an optional one). */
export function documentedNames(file: string): Set<string> {
  const names = readFileSync(file, 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm);
  return new Set([...names].map((m) => m[1]));
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

export interface VariableReference {
  name: string;
  /** `:?` / `?`: Compose refuses to start without it. */
  required: boolean;
  /** `:-` / `-`: used when unset. */
  fallback?: string;
}

export function references(value: string): VariableReference[] {
  return [...value.matchAll(REFERENCE)].map(([, name, operator, argument]) => ({
    name,
    required: operator?.endsWith('?') ?? false,
    fallback: operator?.endsWith('-') ? argument : undefined,
  }));
}

/** Compose's interpolation: throws, like Compose, when a required variable is missing. */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(REFERENCE, (_match, name: string, operator?: string, argument?: string) => {
    const given = env[name];
    const present = operator?.startsWith(':') ? !!given : given !== undefined;
    if (present) return given;
    if (operator?.endsWith('?')) throw new Error(`required variable ${name}: ${argument}`);
    return operator?.endsWith('-') ? (argument ?? '') : '';
  });
}

/** Every string in a parsed YAML document, depth first. */
export function allStrings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(allStrings);
  if (node && typeof node === 'object') return Object.values(node).flatMap(allStrings);
  return [];
}

/** Long and short volume syntax, normalised; relative bind sources resolved against docker/. */
export function mountsOf(service: ComposeService, composeVolumes: string[]): VolumeMount[] {
  return (service.volumes ?? []).map((entry) => {
    if (typeof entry === 'string') {
      const [source, target, mode] = entry.split(':');
      const named = composeVolumes.includes(source);
      return {
        type: named ? 'volume' : 'bind',
        source: named ? source : resolveSource(source),
        target,
        readOnly: mode?.split(',').includes('ro') ?? false,
      };
    }
    const type = entry.type as VolumeMount['type'];
    const source = entry.source as string | undefined;
    return {
      type,
      source: type === 'bind' && source ? resolveSource(source) : source,
      target: entry.target as string,
      readOnly: entry.read_only === true,
    };
  });
}

const resolveSource = (source: string) =>
  isAbsolute(source) ? source : resolve(DOCKER_DIR, source);
