/**
 * What a body-parser error (express's JSON and form parsers, and raw-body under them) means for
 * the client: the 4xx to answer, in the API's words, and the cause for the log. Their errors
 * carry the status and a `type`; left to the exception filter they were 500s with a stack.
 * A 5xx of theirs (`stream.encoding.set`, `stream.not.readable`) is our bug: no refusal.
 */
import { DomainError, DomainErrorCode, invalidInput } from '../common/domain-error';

/** What a JSON or form body may inflate to: no route takes one; Nest's default of 100 kB. */
export const REQUEST_BODY_LIMIT_BYTES = 100 * 1024;

interface BodyParserError {
  status?: number;
  type?: string;
  /** raw-body: the bytes it read (after decompression) when it stopped. */
  received?: number;
  /** raw-body: the Content-Length that was over the limit before any byte was read. */
  length?: number;
  limit?: number;
}

export interface BodyRefusal {
  error: DomainError;
  /** For the log: which check refused it, in fixed words (nothing from the request). */
  cause: string;
}

const ENCODINGS = 'identity, gzip, deflate or br';

export function bodyRefusal(raw: unknown): BodyRefusal | undefined {
  const error = (raw ?? {}) as BodyParserError;
  const status = error.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (error.type) {
    case 'entity.too.large':
      return {
        error: new DomainError(
          DomainErrorCode.PayloadTooLarge,
          `The request body is larger than ${REQUEST_BODY_LIMIT_BYTES} bytes (decompressed)`,
        ),
        cause:
          error.received !== undefined
            ? `over the ${error.limit} bytes limit: stopped reading after ${error.received} bytes (decompressed)`
            : `over the ${error.limit} bytes limit: declared ${error.length} bytes, none read`,
      };
    case 'parameters.too.many':
      return {
        error: new DomainError(
          DomainErrorCode.PayloadTooLarge,
          'The form body has too many fields',
        ),
        cause: 'a form body with too many fields',
      };
    case 'encoding.unsupported':
      return {
        error: new DomainError(
          DomainErrorCode.UnsupportedMediaType,
          `The request body's Content-Encoding is not supported: send ${ENCODINGS}`,
        ),
        cause: 'an unsupported Content-Encoding',
      };
    case 'charset.unsupported':
      return {
        error: new DomainError(
          DomainErrorCode.UnsupportedMediaType,
          "The request body's charset is not supported: send UTF-8",
        ),
        cause: 'an unsupported charset',
      };
    case 'entity.parse.failed':
      return {
        error: invalidInput('The request body does not parse as its Content-Type says'),
        cause: 'a body that does not parse',
      };
    case 'request.size.invalid':
      return {
        error: invalidInput('The request body does not have the length its Content-Length says'),
        cause: 'a body of another length than its Content-Length',
      };
    case 'request.aborted':
      return {
        error: invalidInput('The request body ended before it was complete'),
        cause: 'a body cut short (the client went away)',
      };
    case 'querystring.parse.rangeError':
      return {
        error: invalidInput('The form body nests deeper than allowed'),
        cause: 'a form body nested too deep',
      };
  }
  // No type: zlib's own error, wrapped by body-parser (a body that is not what it says it is).
  return {
    error: invalidInput('The request body does not decompress as its Content-Encoding says'),
    cause: 'a body that does not decompress',
  };
}
