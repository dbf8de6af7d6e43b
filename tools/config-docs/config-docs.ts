/**
 * `npm run config:docs`: writes docs/configuration.md and .env.example from
 * src/config/environment-variables.ts. `npm run config:check` (`--check`): writes nothing and
 * exits 1 when either file differs from what it would write, naming the file.
 * The reference's prose (how validation works, what is required) is reference-intro.md beside this file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, runCli } from '../../src/cli/cli-usage';
import { renderEnvExample, renderReference } from './render-config-docs';

const CLI = {
  name: 'config:docs',
  usage: `usage: npm run config:docs [-- --check]
  writes docs/configuration.md and .env.example from src/config/environment-variables.ts
  --check  write nothing; exit 1 when either file differs (npm run config:check)`,
};

// dist/tools/config-docs/ → the repository root.
const ROOT = join(__dirname, '..', '..', '..');

export function configFiles(root: string): { path: string; content: string }[] {
  const prose = readFileSync(join(root, 'tools', 'config-docs', 'reference-intro.md'), 'utf8');
  return [
    { path: 'docs/configuration.md', content: renderReference(prose) },
    { path: '.env.example', content: renderEnvExample() },
  ];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

if (require.main === module)
  runCli(CLI, () => {
    const { values } = parseCommandLine(process.argv.slice(2), { check: { type: 'boolean' } });
    const files = configFiles(ROOT);
    if (values.check) {
      const stale = files.filter((f) => read(join(ROOT, f.path)) !== f.content);
      for (const f of stale)
        console.error(
          `config:check: ${f.path} differs from src/config/environment-variables.ts: run npm run config:docs and commit the result`,
        );
      if (stale.length) return 1;
      console.log('config:check: docs/configuration.md and .env.example are up to date');
      return;
    }
    for (const f of files) {
      writeFileSync(join(ROOT, f.path), f.content);
      console.log(`wrote ${f.path}`);
    }
  });
