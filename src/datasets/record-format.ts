/**
 * How a records response is asked for, from the request's headers: the format (Accept: JSON
 * by default, CSV on request, 406 for anything else) and PostgREST's count preference
 * (`Prefer: count=exact|planned|estimated`), which, like every preference (RFC 7240), is
 * ignored when not understood; `Preference-Applied` says what was honoured.
 */
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { notAcceptable } from '../common/domain-error';
import type { CountMode } from './datasets.repository';

export type RecordFormat = 'json' | 'csv';

/** In the server's order of preference: an Accept of `*\/*` gets JSON. */
export const RECORD_MEDIA_TYPES: Record<RecordFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
};

const COUNT_MODES: readonly CountMode[] = ['exact', 'planned', 'estimated'];

export interface RecordRequest {
  format: RecordFormat;
  count?: CountMode;
}

export function countPreference(prefer: string | undefined): CountMode | undefined {
  for (const part of (prefer ?? '').split(',')) {
    const match = /^\s*count\s*=\s*"?([a-z]+)"?\s*$/i.exec(part);
    const mode = match?.[1].toLowerCase() as CountMode | undefined;
    if (mode && COUNT_MODES.includes(mode)) return mode;
  }
  return undefined;
}

/** Express's negotiation (quality values, wildcards), over the two formats served. */
export function negotiateFormat(req: Request): RecordFormat {
  const formats = Object.keys(RECORD_MEDIA_TYPES) as RecordFormat[];
  const chosen = req.accepts(formats.map((f) => RECORD_MEDIA_TYPES[f]));
  const format = formats.find((f) => RECORD_MEDIA_TYPES[f] === chosen);
  if (!format) {
    throw notAcceptable(
      `none of the media types in Accept can be served: records are available as ${formats.map((f) => RECORD_MEDIA_TYPES[f]).join(' (the default) or ')}`,
    );
  }
  return format;
}

/** The format and count preference of a records request. */
export const RecordRequestOf = createParamDecorator(
  (_: unknown, context: ExecutionContext): RecordRequest => {
    const req = context.switchToHttp().getRequest<Request>();
    const count = countPreference(req.get('prefer'));
    return { format: negotiateFormat(req), ...(count ? { count } : {}) };
  },
);
