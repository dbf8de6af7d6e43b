/**
 * TypeORM's logger for every DataSource of the service, the migrator and the CLIs. TypeORM's own
 * loggers print a failed query's parameters, and ours carry secrets: the migrator hands the
 * master key to its session as a bind parameter (set_config), and imports and reads bind
 * personal values. So failures are logged with the statement and PostgreSQL's message, in which
 * any bound value PostgreSQL quoted back ("invalid input syntax for type integer: ...") is
 * replaced by its placeholder.
 */
import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const oneLine = (sql: string): string => sql.replace(/\s+/g, ' ').trim().slice(0, 500);

export class QueryErrorLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    let message = error instanceof Error ? error.message : error;
    // Values under 3 characters (a flag, a small number) identify nothing and would garble it.
    (parameters ?? []).forEach((value, i) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (text && text.length >= 3) message = message.split(text).join(`$${i + 1}`);
    });
    this.logger.error(`Query failed: ${message} (statement: ${oneLine(query)})`);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  // TypeORM's warnings are the pool's idle-connection errors, which every restart of PostgreSQL
  // (and every clean shutdown) raises; outages are reported where requests meet them.
  log(): void {}
  logQuery(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
}
