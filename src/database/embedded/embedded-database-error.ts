/**
 * A failure of the embedded database that the operator can act on. Its message is one line that
 * says what happened and what to do; main.ts and the CLIs print it without a stack trace.
 */
export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}
