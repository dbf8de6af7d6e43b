/**
 * docs/configuration.md and .env.example are generated from the one declaration of every
 * variable (src/config/environment-variables.ts); `npm run config:check` runs the same
 * comparison in .ci/run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from '../../src/config/environment-variables';
import { DEFAULT_EMBEDDED_PG_PORT } from '../../src/database/runtime-environment';
import { configFiles } from '../../tools/config-docs/config-docs';
import { documentedVariables, renderEnvExample } from '../../tools/config-docs/render-config-docs';

const ROOT = join(__dirname, '..', '..');

describe('the configuration reference', () => {
  it.each(configFiles(ROOT).map((f) => [f.path, f.content]))(
    '%s is what npm run config:docs writes',
    (path, content) => {
      expect(readFileSync(join(ROOT, path), 'utf8')).toBe(content);
    },
  );

  it('documents every variable once, each in a section, with what it accepts', () => {
    const variables = documentedVariables();
    const names = variables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of variables) {
      expect(v.description.length).toBeGreaterThan(10);
      expect(v.accepted).not.toBe('');
    }
  });

  it('shows each literal default as the service applies it', () => {
    const byName = new Map(documentedVariables().map((v) => [v.name, v]));
    expect(byName.get('PORT')!.defaultText).toBe('`3000`');
    expect(byName.get('DB_POOL_SIZE')!.accepted).toBe('integer, 1 to 100');
    expect(byName.get('DB_SSL')!.accepted).toBe('`disable`, `require`, `verify-full`');
    expect(renderEnvExample()).toContain('\n# IMPORT_CRON=0 */2 * * * *\n');
  });

  it("gives EMBEDDED_PG_PORT the default the embedded server's start-up uses", () => {
    // runtime-environment reads it before the configuration is validated (to decide embedded
    // mode), so the number is written there too; this keeps the two equal.
    expect(new EnvironmentVariables().EMBEDDED_PG_PORT).toBe(DEFAULT_EMBEDDED_PG_PORT);
  });
});
