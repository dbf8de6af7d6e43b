/**
 * Validates one CSV record against the catalog and encodes it as a line of PostgreSQL's COPY
 * text format for the staging table:
 * `line, reject_column, reject_reason, reject_value, reject_shape, <columns>`.
 * A bad record becomes a rejection line (its columns NULL), so rejections stream into the
 * database with the rows instead of piling up in memory.
 *
 * A dataset with personal data never has a refused cell stored, whichever column it was read
 * as: a row shifted by one column puts a name under `client_id` and an e-mail address under
 * `date_inscription`, so "personal column" is a property of the file's intent, not of the cell.
 * Its rejections carry the cell's shape (cell-shape.ts) instead. Other datasets keep the value
 * (capped, control characters made visible), which helps an operator find the typo.
 */
import { datasetCatalog } from '../../../catalog/dataset-catalog';
import type { DatasetSpec } from '../../../catalog/dataset.types';
import { cellShape } from './cell-shape';
import { FieldContext, parseField } from './field-parsers';
import { HeaderMapping, ignoredColumnName } from './header-mapping';
import { shownText } from './shown-text';

const NULL = '\\N';
const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function copyText(value: string | null): string {
  if (value === null) return NULL;
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
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
  /** The header's width without its trailing nameless cells (a trailing delimiter). */
  private readonly width: number;
  private readonly personal: boolean;

  constructor(
    private readonly spec: DatasetSpec,
    private readonly mapping: HeaderMapping,
    private readonly header: string[],
    private readonly ctx: FieldContext,
  ) {
    this.nullColumns = spec.columns.map(() => NULL).join('\t');
    this.keyIndex = spec.columns.findIndex((c) => c.name === spec.primaryKey);
    let width = header.length;
    while (width > 1 && header[width - 1].trim() === '') width--;
    this.width = width;
    this.personal = datasetCatalog.hasPersonalData(spec);
  }

  encode(line: number, fields: string[]): EncodedRow {
    const wrongCount = this.fieldCountProblem(line, fields);
    if (wrongCount) return wrongCount;
    const values: string[] = [];
    let key = NaN;
    for (let i = 0; i < this.spec.columns.length; i++) {
      const column = this.spec.columns[i];
      const index = this.mapping.indexes[i];
      const raw = index < 0 ? undefined : fields[index];
      const result = parseField(column, raw, this.ctx);
      if (!result.ok) {
        return this.reject(line, column.name, result.reason, raw);
      }
      if (i === this.keyIndex) key = Number(result.value);
      values.push(copyText(result.value));
    }
    return {
      text: `${line}\t${NULL}\t${NULL}\t${NULL}\t${NULL}\t${values.join('\t')}\n`,
      rejected: false,
      key,
    };
  }

  /**
   * A row must have as many fields as the header names; empty fields past them (a trailing
   * delimiter) are tolerated. Fewer fields means values shifted or lost: never guess which.
   * The column reported is the first one missing, or the first field too many.
   */
  private fieldCountProblem(line: number, fields: string[]): EncodedRow | undefined {
    let n = fields.length;
    while (n > this.width && fields[n - 1].trim() === '') n--;
    if (n === this.width) return undefined;
    const reason = `${this.width} fields expected, ${fields.length} found`;
    const column =
      n < this.width
        ? this.columnNameAt(n)
        : `field ${this.width + 1} (after ${this.columnNameAt(this.width - 1)})`;
    return this.reject(line, column, reason, undefined);
  }

  /** The catalog name of the header's i-th cell, or what may be said of an ignored one. */
  private columnNameAt(index: number): string {
    const mapped = this.mapping.indexes.indexOf(index);
    return mapped >= 0
      ? this.spec.columns[mapped].name
      : ignoredColumnName(this.spec, this.header[index], index);
  }

  /** `cell` is the refused cell as read, undefined when no single cell is to blame. */
  private reject(
    line: number,
    column: string | null,
    reason: string,
    cell: string | undefined,
  ): EncodedRow {
    const value = cell === undefined || this.personal ? null : shownText(cell, 200);
    const shape = cell === undefined ? null : cellShape(cell);
    const text = `${line}\t${copyText(column)}\t${copyText(reason)}\t${copyText(value)}\t${copyText(shape)}\t${this.nullColumns}\n`;
    return { text, rejected: true, key: NaN };
  }
}
