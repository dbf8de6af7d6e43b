/**
 * OpenAPI for `GET /datasets/{dataset}/records`, derived from the catalog: every filter column of
 * every dataset is listed with its type and the datasets that accept it, the order, select and
 * paging parameters, the Accept/Prefer headers and both response formats, so the docs cannot
 * drift from validation.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotAcceptableResponse,
  ApiOkResponse,
  ApiQuery,
  getSchemaPath,
} from '@nestjs/swagger';
import { datasetCatalog } from '../catalog/dataset-catalog';
import { recordVisibility } from '../catalog/record-visibility';
import { FILTER_OPERATORS, MAX_IN_VALUES } from '../common/query/column-filter';
import { RecordPageDto } from './dto/record-page.dto';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/query/page-size';

interface Documented {
  datasets: string[];
  type: string;
}

/** Column name -> the datasets where `pick` holds and its type there. */
function columnsWhere(
  pick: (dataset: string, column: string) => boolean,
  all = datasetCatalog.all(),
): Map<string, Documented> {
  const byColumn = new Map<string, Documented>();
  for (const spec of all) {
    for (const c of spec.columns) {
      if (!pick(spec.name, c.name)) continue;
      const known = byColumn.get(c.name);
      byColumn.set(c.name, { datasets: [...(known?.datasets ?? []), spec.name], type: c.type });
    }
  }
  return byColumn;
}

const OPERATORS = FILTER_OPERATORS.join(', ');

export function ApiRecordQuery(): MethodDecorator {
  const specs = datasetCatalog.all();
  const filterable = new Set(
    specs.flatMap((s) =>
      (['admin', 'analyst'] as const).flatMap((role) =>
        recordVisibility.filterableColumns(s, role).map((c) => `${s.name}.${c.name}`),
      ),
    ),
  );
  const lookups = new Set(
    specs.flatMap((s) => recordVisibility.lookupColumns(s).map((c) => `${s.name}.${c.name}`)),
  );
  const orderable = specs
    .map(
      (s) =>
        `${s.name}: ${recordVisibility
          .orderableColumns(s)
          .map((c) => c.name)
          .join(', ')}`,
    )
    .join('; ');
  const dated = specs
    .filter((s) => s.dateColumn)
    .map((s) => `${s.name} (${s.dateColumn})`)
    .join(', ');
  return applyDecorators(
    ApiExtraModels(RecordPageDto),
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
      description: `Rows per page: ${DEFAULT_PAGE_SIZE} by default in JSON; a CSV export without limit streams every matching row`,
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      type: String,
      description: 'The nextCursor of the previous page, asked with the same order (otherwise 400)',
    }),
    ApiQuery({
      name: 'order',
      required: false,
      type: String,
      example: 'date_achat.desc',
      description: `<column>.asc or <column>.desc (asc when omitted) on an indexed column, the primary key breaking ties; default: primary key ascending. Columns: ${orderable}`,
    }),
    ApiQuery({
      name: 'select',
      required: false,
      type: String,
      example: 'transaction_id,montant_total',
      description:
        'Comma-separated columns to return, in that order, among those your role sees (GET /datasets)',
    }),
    ApiQuery({
      name: 'from',
      required: false,
      type: String,
      description: `Same as <date column>=gte.<value>: YYYY-MM-DD (date-time allowed on timestamp columns). Datasets: ${dated}`,
    }),
    ApiQuery({
      name: 'to',
      required: false,
      type: String,
      description: `Same as <date column>=lte.<value>. Datasets: ${dated}`,
    }),
    ...[...columnsWhere((d, c) => filterable.has(`${d}.${c}`))].map(
      ([column, { datasets, type }]) =>
        ApiQuery({
          name: column,
          required: false,
          type: String,
          description: `Filter <operator>.<value>, operator one of ${OPERATORS} (in.(v1,v2,...), at most ${MAX_IN_VALUES} values; double-quote values holding commas); repeat the parameter to combine (AND)${type === 'integer' ? '; a bare integer means eq' : ''}. Value type: ${type}. Datasets: ${datasets.join(', ')}`,
        }),
    ),
    ...[...columnsWhere((d, c) => lookups.has(`${d}.${c}`))].map(([column, { datasets }]) =>
      ApiQuery({
        name: column,
        required: false,
        type: String,
        description: `Exact lookup through the blind index: <address> or eq.<address> (case and surrounding spaces ignored); roles that see ${column} in clear only (403 otherwise). Datasets: ${datasets.join(', ')}`,
      }),
    ),
    ApiHeader({
      name: 'Accept',
      required: false,
      description: 'application/json (default) or text/csv; anything else is 406',
    }),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description:
        'count=exact, count=planned or count=estimated: adds Content-Range with the total',
    }),
    ApiOkResponse({
      description:
        'A page in JSON, or the rows as CSV (header line; cells that a spreadsheet would run as a formula are prefixed with a quote)',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(RecordPageDto) } },
        'text/csv': { schema: { type: 'string' } },
      },
      headers: {
        'Content-Range': {
          description: 'With Prefer: count=...: <first>-<last>/<total> (0-based), or */<total>',
          schema: { type: 'string' },
        },
        'Preference-Applied': {
          description: 'The count preference honoured, e.g. count=exact',
          schema: { type: 'string' },
        },
      },
    }),
    ApiBadRequestResponse({
      description:
        'A bad parameter: unknown column or operator, a value of the wrong type, a personal column, a column your role does not see, a cursor of another listing or order',
    }),
    ApiNotAcceptableResponse({ description: 'Accept names neither application/json nor text/csv' }),
  );
}
