import createError from 'http-errors';
import { DomainErrorCode } from '../common/domain-error';
import { bodyRefusal } from './body-refusal';

describe('bodyRefusal', () => {
  it.each([
    [
      createError(413, 'x', { type: 'entity.too.large', limit: 10, received: 16 }),
      DomainErrorCode.PayloadTooLarge,
    ],
    [createError(413, 'x', { type: 'parameters.too.many' }), DomainErrorCode.PayloadTooLarge],
    [createError(415, 'x', { type: 'encoding.unsupported' }), DomainErrorCode.UnsupportedMediaType],
    [createError(415, 'x', { type: 'charset.unsupported' }), DomainErrorCode.UnsupportedMediaType],
    [createError(400, 'x', { type: 'entity.parse.failed' }), DomainErrorCode.InvalidInput],
    [createError(400, 'x', { type: 'request.size.invalid' }), DomainErrorCode.InvalidInput],
    [createError(400, 'x', { type: 'request.aborted' }), DomainErrorCode.InvalidInput],
    [createError(400, 'x', { type: 'querystring.parse.rangeError' }), DomainErrorCode.InvalidInput],
    [
      createError(
        400,
        Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }),
      ),
      DomainErrorCode.InvalidInput,
    ],
  ])('turns %p into a %s refusal', (error, code) => {
    expect(bodyRefusal(error)?.error.code).toBe(code);
  });

  it('says how far a too large body was read, and never echoes the request', () => {
    const read = bodyRefusal(
      createError(413, 'x', { type: 'entity.too.large', limit: 10, received: 16 }),
    );
    expect(read?.cause).toBe(
      'over the 10 bytes limit: stopped reading after 16 bytes (decompressed)',
    );
    const declared = bodyRefusal(
      createError(413, 'x', { type: 'entity.too.large', limit: 10, length: 99 }),
    );
    expect(declared?.cause).toBe('over the 10 bytes limit: declared 99 bytes, none read');
    const encoding = bodyRefusal(
      createError(415, 'unsupported content encoding "zz"', {
        type: 'encoding.unsupported',
        encoding: 'zz',
      }),
    );
    expect(JSON.stringify({ ...encoding, message: encoding?.error.message })).not.toContain('zz');
  });

  it('leaves the parsers own 5xx (a bug of ours) and anything else to the filter', () => {
    expect(bodyRefusal(createError(500, 'x', { type: 'stream.encoding.set' }))).toBeUndefined();
    expect(bodyRefusal(new Error('boom'))).toBeUndefined();
    expect(bodyRefusal(undefined)).toBeUndefined();
  });
});
