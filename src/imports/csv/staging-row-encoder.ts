/**
 * Validates one CSV record against the catalog and encodes it as a line of PostgreSQL's COPY
 * text format for the staging table: `line, reject_column, reject_reason, reject_value, <columns>`.
 * A bad record becomes a rejection line (its columns NULL), so rejections stream into the
 * database with the rows instead of piling up in memory.
 */
import type { DatasetSpec } from '../../catalog/dataset.types';
import { FieldContext, parseField } from './field-parsers';
import type { HeaderMapping } from './header-mapping';

export const REDACTED = '[redacted]';
const NULL = '\\N';
const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function copyText(value: string | null): string {
  if (value === null) return NULL;
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** Rejected values are stored for the operator, capped and never personal. */
function shownValue(raw: string | undefined, personal: boolean | undefined): string | null {
  if (raw === undefined) return null;
  if (personal) return REDACTED;
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
}

export interface EncodedRow {
  text: string;
  rejected: boolean;
  /** The primary key as parsed, for the duplicate check (NaN when rejected). */
  key: number;
}

export class StagingRowEncoder {
  private readonly nullColumns: string;
  private readonly keyIndex: number;

  constructor(
    private readonly spec: DatasetSpec,
    private readonly mapping: HeaderMapping,
    private readonly headerWidth: number,
    private readonly ctx: FieldContext,
  ) {
    this.nullColumns = spec.columns.map(() => NULL).join('\t');
    this.keyIndex = spec.columns.findIndex((c) => c.name === spec.primaryKey);
  }

  encode(line: number, fields: string[]): EncodedRow {
    if (fields.length !== this.headerWidth) {
      return this.reject(
        line,
        null,
        `expected ${this.headerWidth} fields, found ${fields.length}`,
        null,
      );
    }
    const values: string[] = [];
    let key = NaN;
    for (let i = 0; i < this.spec.columns.length; i++) {
      const column = this.spec.columns[i];
      const index = this.mapping.indexes[i];
      const raw = index < 0 ? undefined : fields[index];
      const result = parseField(column, raw, this.ctx);
      if (!result.ok) {
        return this.reject(line, column.name, result.reason, shownValue(raw, column.personal));
      }
      if (i === this.keyIndex) key = Number(result.value);
      values.push(copyText(result.value));
    }
    return {
      text: `${line}\t${NULL}\t${NULL}\t${NULL}\t${values.join('\t')}\n`,
      rejected: false,
      key,
    };
  }

  private reject(
    line: number,
    column: string | null,
    reason: string,
    value: string | null,
  ): EncodedRow {
    const text = `${line}\t${copyText(column)}\t${copyText(reason)}\t${copyText(value)}\t${this.nullColumns}\n`;
    return { text, rejected: true, key: NaN };
  }
}
