/**
 * The message of a file PostgreSQL refused (a data exception or an integrity violation). Its
 * input functions quote the refused text ("invalid input syntax for type date: ..."), and a
 * duplicate key's DETAIL quotes the key, so for a dataset with personal data only what cannot
 * carry a cell is said: the protection trigger's own messages (written from catalog literals,
 * prefixed by the table) and otherwise the SQLSTATE and the names PostgreSQL reports.
 */
import type { DatabaseError } from 'pg';
import { datasetCatalog } from '../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../catalog/dataset.types';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function databaseRefusal(spec: DatasetSpec, error: Error): string {
  const refused = 'the database refused the file';
  if (!datasetCatalog.hasPersonalData(spec)) return `${refused}: ${error.message}`;
  const own = [`${spec.table}.`, `${spec.table}:`];
  if (own.some((prefix) => error.message.startsWith(prefix))) return `${refused}: ${error.message}`;
  const { code, table, column, constraint } = error as Partial<DatabaseError>;
  const names = (
    [
      ['table', table],
      ['column', column],
      ['constraint', constraint],
    ] as const
  )
    .filter(([, name]) => name !== undefined && IDENTIFIER.test(name))
    .map(([kind, name]) => `${kind} ${name}`);
  return `${refused} (SQLSTATE ${code ?? 'unknown'}${names.length ? `, ${names.join(', ')}` : ''}; its message is not repeated, it may quote a value)`;
}
