/**
 * Embedded mode generates the secrets a production deployment would inject, once, with a CSPRNG,
 * and keeps them in DATA_DIR/secrets.json (mode 0600) so restarts can read data encrypted
 * earlier. Environment variables always win over the stored values.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const GENERATED_SECRET_NAMES = [
  'ENCRYPTION_KEY',
  'BLIND_INDEX_KEY',
  'JWT_SECRET',
  'POSTGRES_PASSWORD',
  'APP_DB_PASSWORD',
  'GRAFANA_DB_PASSWORD',
] as const;

export type GeneratedSecrets = Record<(typeof GENERATED_SECRET_NAMES)[number], string>;

export const secretsFilePath = (dataDir: string): string => join(dataDir, 'secrets.json');

const generate = (name: string): string =>
  name.endsWith('_PASSWORD')
    ? randomBytes(24).toString('base64url')
    : randomBytes(32).toString('hex');

/** Reads the stored secrets, generating (and persisting) any that are missing. */
export function loadOrCreateSecrets(dataDir: string): {
  secrets: GeneratedSecrets;
  created: boolean;
} {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = secretsFilePath(dataDir);
  const stored = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>)
    : {};
  let created = false;
  const secrets = {} as GeneratedSecrets;
  for (const name of GENERATED_SECRET_NAMES) {
    const value = stored[name];
    if (typeof value === 'string' && value.length > 0) {
      secrets[name] = value;
    } else {
      secrets[name] = generate(name);
      created = true;
    }
  }
  if (created) writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  // Also tighten a file copied in with looser permissions.
  chmodSync(file, 0o600);
  return { secrets, created };
}
