/**
 * The one way query and path values are validated: DTO properties carrying these decorators,
 * checked by the global ValidationPipe (see query-validation.ts). Each decorator converts the
 * raw string to its typed value only when the rule in query-rules.ts accepts it; otherwise the
 * raw value stays and validation fails with a message naming the parameter.
 */
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, ValidationArguments } from 'class-validator';
import { datasetCatalog, SQL_TYPES } from '../../catalog/dataset-catalog';
import type { DatasetName } from '../../catalog/dataset.types';
import { decodeCursor } from '../keyset-cursor';
import {
  ColumnFilter,
  FilterableColumn,
  MAX_FILTERS_PER_COLUMN,
  parseColumnFilter,
} from './column-filter';
import {
  DateKind,
  INTEGER_RANGES,
  IntegerBounds,
  IntegerType,
  isCalendarDate,
  isEmailLookup,
  isNotAfter,
  parseBoundedInteger,
} from './query-rules';

/** A repeated parameter arrives as an array: say so rather than "not an integer". */
const message =
  (expected: (property: string) => string) =>
  (args: ValidationArguments): string =>
    Array.isArray(args.value)
      ? `${args.property} must be given once`
      : `${args.property} ${expected(args.property)}`;

const keepRaw = (parse: (raw: unknown) => unknown) =>
  Transform(({ value }: { value: unknown }) =>
    value === undefined ? value : (parse(value) ?? value),
  );

/** A decimal integer within `bounds`, themselves within PostgreSQL's `type`. */
export function IsColumnInteger(
  type: IntegerType,
  bounds: Partial<IntegerBounds> = {},
): PropertyDecorator {
  const range = {
    min: Math.max(bounds.min ?? INTEGER_RANGES[type].min, INTEGER_RANGES[type].min),
    max: Math.min(bounds.max ?? INTEGER_RANGES[type].max, INTEGER_RANGES[type].max),
  };
  return applyDecorators(
    keepRaw((raw) => parseBoundedInteger(raw, range)),
    ValidateBy({
      name: 'isColumnInteger',
      validator: {
        validate: (value: unknown) => typeof value === 'number',
        defaultMessage: message(() => `must be an integer from ${range.min} to ${range.max}`),
      },
    }),
  );
}

/** A value of an integer column of the catalog, bounded by its SQL type and its `min`. */
export function IsCatalogInteger(dataset: DatasetName, column: string): PropertyDecorator {
  const spec = datasetCatalog.get(dataset).columns.find((c) => c.name === column);
  if (!spec || SQL_TYPES[spec.type] !== 'integer') {
    throw new Error(`${dataset}.${column} is not an integer column of the catalog`);
  }
  return IsColumnInteger('integer', { min: spec.min });
}

const DATE_FORMATS: Record<DateKind, string> = {
  date: 'a date (YYYY-MM-DD)',
  local: 'a date or date-time (YYYY-MM-DD[THH:MM[:SS]])',
  zoned: 'a date or date-time (YYYY-MM-DD[THH:MM[:SS][Z|±HH:MM]])',
};

/** A real calendar day in YYYY-MM-DD (with a time where `kind` allows one). */
export function IsCalendarDate(kind: DateKind = 'date'): PropertyDecorator {
  return ValidateBy({
    name: 'isCalendarDate',
    validator: {
      validate: (value: unknown) => isCalendarDate(value, kind),
      defaultMessage: message(() => `must be ${DATE_FORMATS[kind]}`),
    },
  });
}

/** On `from`: not after the property `other`; checked only once both are valid dates. */
export function IsNotAfter(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'isNotAfter',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const bound = (args?.object as Record<string, unknown> | undefined)?.[other];
        const comparable = isCalendarDate(value, 'zoned') && isCalendarDate(bound, 'zoned');
        return !comparable || isNotAfter(value, bound);
      },
      defaultMessage: message(() => `must not be after ${other}`),
    },
  });
}

/** A keyset cursor of the `scope` listing whose key fits `keyType`; becomes that key. */
export function IsKeysetCursor(scope: string, keyType: IntegerType): PropertyDecorator {
  return applyDecorators(
    keepRaw((raw) => decodeCursor(scope, raw, keyType)),
    ValidateBy({
      name: 'isKeysetCursor',
      validator: {
        validate: (value: unknown) => typeof value === 'number',
        defaultMessage: message(() => `is not a cursor of this ${scope} listing`),
      },
    }),
  );
}

export function IsEmailLookup(): PropertyDecorator {
  return ValidateBy({
    name: 'isEmailLookup',
    validator: {
      validate: (value: unknown) => isEmailLookup(value),
      defaultMessage: message(() => 'must be an e-mail address'),
    },
  });
}

/** A short printable word (token subjects); anything else is refused before SQL sees it. */
export function IsPlainWord(description: string): PropertyDecorator {
  return ValidateBy({
    name: 'isPlainWord',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^[\w.@:-]{1,128}$/.test(value),
      defaultMessage: message(() => `must be ${description} (letters, digits, ._@:-)`),
    },
  });
}

/** What a decorator's transform leaves when it cannot read a value: why, for the message. */
class Refusal {
  constructor(readonly problem: string) {}
}

/** Validates the typed value a transform produced; otherwise reports its Refusal. */
function parsedBy(
  name: string,
  transform: (raw: unknown, obj: Record<string, unknown>) => unknown,
): PropertyDecorator {
  return applyDecorators(
    Transform(({ value, obj }: { value: unknown; obj: Record<string, unknown> }) =>
      value === undefined ? value : transform(value, obj),
    ),
    ValidateBy({
      name,
      validator: {
        validate: (value: unknown) => value !== undefined && !(value instanceof Refusal),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${args.value instanceof Refusal ? args.value.problem : 'is not valid'}`,
      },
    }),
  );
}

/**
 * Filters on one column (`col=op.value`, repeatable: `date=gte.X&date=lte.Y`); becomes
 * ColumnFilter[]. See column-filter.ts for the grammar.
 */
export function IsColumnFilter(column: FilterableColumn): PropertyDecorator {
  return parsedBy('isColumnFilter', (raw) => {
    const all = Array.isArray(raw) ? (raw as unknown[]) : [raw];
    if (all.length > MAX_FILTERS_PER_COLUMN) {
      return new Refusal(`may be given at most ${MAX_FILTERS_PER_COLUMN} times`);
    }
    const filters: ColumnFilter[] = [];
    for (const one of all) {
      const parsed = parseColumnFilter(column, one);
      if ('problem' in parsed) return new Refusal(parsed.problem);
      filters.push(parsed);
    }
    return filters;
  });
}

/** A parameter that names a column nobody may filter: refused with the reason. */
export function IsNeverFilterable(reason: string): PropertyDecorator {
  return parsedBy('isNeverFilterable', () => new Refusal(reason));
}

/** A single value read by `read`, which returns the typed value or a problem. */
export function IsParsedOnce(
  name: string,
  read: (raw: string, obj: Record<string, unknown>) => unknown,
): PropertyDecorator {
  return parsedBy(name, (raw, obj) => {
    if (Array.isArray(raw)) return new Refusal('must be given once');
    if (typeof raw !== 'string') return new Refusal('is not valid');
    const result = read(raw, obj);
    return typeof result === 'object' && result !== null && 'problem' in result
      ? new Refusal((result as { problem: string }).problem)
      : result;
  });
}
