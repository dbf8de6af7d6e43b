import { Logger } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import type { LogSettings } from './root-logger';
import { createRootLogger } from './root-logger';
import { loggerParams } from './logging.module';

/**
 * Makes Nest's static Logger write through pino from the moment the configuration is known,
 * before the application exists (start-up lines: database, migrations, key checks), and
 * flushes what was logged (and buffered) before that. Returns the root logger, for the app.
 */
export async function installProcessLogger(settings: LogSettings): Promise<Pino> {
  const root = await createRootLogger(settings);
  const params = loggerParams(root);
  // The same parameters as the app's LoggerModule: nestjs-pino builds its one root from the first.
  Logger.overrideLogger(new NestPinoLogger(new PinoLogger(params), {}));
  Logger.flush();
  return root;
}
