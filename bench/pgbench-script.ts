/**
 * A captured transaction as a pgbench script: the same statements, each parameter written in as
 * a literal (pgbench cannot bind values of its own). The literals are typed as a bound parameter
 * is, by the context, so the server plans the same query. pgbench then runs the script in its
 * extended-protocol mode (`-M extended`), as node-postgres sends it.
 *
 * pgbench reads `:name` anywhere in a command as one of its variables, quoted text included (a
 * `to_char` format such as 'HH24:MI', the claims' `"iat":1765...`). So every literal holding a
 * colon is written as an escape string with the colon as `\072`: the same constant to
 * PostgreSQL, no variable to pgbench.
 */
import * as pg from 'pg';
import type { CapturedStatement, CapturedTransaction } from './captured-transactions';

// node-postgres' own conversion of a bound value to text (dates, arrays, JSON), untyped in @types/pg.
const { prepareValue } = (
  pg as unknown as {
    utils: { prepareValue: (this: void, value: unknown) => string | Buffer | null | undefined };
  }
).utils;

export function pgbenchScript(transactions: readonly CapturedTransaction[]): string {
  return transactions.flatMap((tx) => tx.map(inlineStatement)).join('\n') + '\n';
}

/** Walks the statement once: its own quoted literals are rewritten, `$n` outside them inlined. */
function inlineStatement(statement: CapturedStatement): string {
  const sql = statement.text;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      // A comment may hold a quote or a colon of its own; it is dropped, not parsed.
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new Error('unterminated comment in a captured statement');
      out += ' ';
      i = end + 2;
    } else if (c === "'" && !/[eE]$/.test(out)) {
      const end = literalEnd(sql, i);
      out += quote(sql.slice(i + 1, end).replaceAll("''", "'"));
      i = end + 1;
    } else if (c === '$' && /\d/.test(sql[i + 1] ?? '')) {
      const n = /^\d+/.exec(sql.slice(i + 1))![0];
      out += value(statement, Number(n));
      i += 1 + n.length;
    } else if (c === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && /\w/.test(sql[i + 1] ?? '')) {
      throw new Error(`cannot replay a statement with pgbench: ":${sql[i + 1]}" outside a literal`);
    } else {
      out += c;
      i++;
    }
  }
  // pgbench ends a command at its semicolon.
  return `${out.replace(/\s*;?\s*$/, '')};`;
}

/** The index of the quote that closes the literal opened at `start` ('' is a quote inside). */
function literalEnd(sql: string, start: number): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] !== "'") continue;
    if (sql[i + 1] === "'") i++;
    else return i;
  }
  throw new Error('unterminated literal in a captured statement');
}

function value(statement: CapturedStatement, n: number): string {
  if (n < 1 || n > statement.values.length) {
    throw new Error(`statement refers to $${n}, but only ${statement.values.length} were sent`);
  }
  const prepared = prepareValue(statement.values[n - 1]);
  if (prepared === null || prepared === undefined) return 'NULL';
  if (Buffer.isBuffer(prepared)) return `'\\x${prepared.toString('hex')}'`;
  return quote(prepared);
}

function quote(text: string): string {
  const quoted = text.replaceAll("'", "''");
  if (!/[\\:]/.test(text)) return `'${quoted}'`;
  return `E'${quoted.replaceAll('\\', '\\\\').replaceAll(':', '\\072')}'`;
}
