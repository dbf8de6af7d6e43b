import { DomainError, DomainErrorCode } from '../common/domain-error';
import { asUnavailable, isDiskFull, isStatementTimeout } from './database-unavailable';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('database conditions as the caller sees them', () => {
  it('answers a full disk (SQLSTATE 53100) with a 507, not a 500', () => {
    const error = pgError(
      '53100',
      'could not extend file "base/16384/16390": No space left on device',
    );
    expect(isDiskFull(error)).toBe(true);
    expect(asUnavailable(error)).toMatchObject({
      code: DomainErrorCode.InsufficientStorage,
      message:
        "the database's disk is full; nothing was changed: free space where it lives, then retry",
    });
    expect(isDiskFull(asUnavailable(error))).toBe(true);
  });

  it('still answers a lost connection with a 503 and leaves other errors alone', () => {
    expect(asUnavailable(pgError('ECONNRESET', 'read ECONNRESET'))).toMatchObject({
      code: DomainErrorCode.Unavailable,
    });
    const other = pgError('22P02', 'invalid input syntax for type integer');
    expect(asUnavailable(other)).toBe(other);
    expect(isDiskFull(new DomainError(DomainErrorCode.Unavailable, 'x'))).toBe(false);
  });

  it('answers a statement timeout (SQLSTATE 57014) with a 503 that says so, not a 500', () => {
    const error = pgError('57014', 'canceling statement due to statement timeout');
    expect(isStatementTimeout(error)).toBe(true);
    expect(asUnavailable(error)).toMatchObject({
      code: DomainErrorCode.StatementTimeout,
      message: expect.stringMatching(/^the query took longer than STATEMENT_TIMEOUT_MS allows/),
      details: { retryAfterSeconds: expect.any(Number) },
    });
  });

  it('leaves a cancel that is not a timeout (the same SQLSTATE) to the caller', () => {
    const cancel = pgError('57014', 'canceling statement due to user request');
    expect(isStatementTimeout(cancel)).toBe(false);
    expect(asUnavailable(cancel)).toBe(cancel);
  });
});
