import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables } from '../../src/config/environment-variables';

/** Names `.env.example` documents, commented out (`# NAME=default`) or set (`NAME=value`). */
function documented(): string[] {
  const text = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
  return [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
}

/** Names the validated configuration declares (every property carries a class-validator rule). */
function validated(): string[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(
    EnvironmentVariables,
    '',
    true,
    false,
  );
  return [...new Set(rules.map((r) => r.propertyName))];
}

describe('.env.example', () => {
  it('documents every variable the configuration validates, and nothing else', () => {
    expect([...documented()].sort()).toEqual([...validated()].sort());
  });

  it('documents each variable once', () => {
    const names = documented();
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
