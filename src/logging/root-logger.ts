/**
 * The process's one pino logger: JSON lines for files and collectors, pino-pretty for a person
 * at a terminal. Everything logs through it: Nest's `Logger` (via nestjs-pino), the access log
 * and the import-run log.
 */
import type { IncomingMessage } from 'node:http';
import pino, { DestinationStream, Level, Logger } from 'pino';
import type { AppConfig } from '../config/app-config';

/** LOG_LEVEL keeps Nest's names; nestjs-pino maps Nest's `log` to info and `verbose` to trace. */
const PINO_LEVELS: Record<string, Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Nothing logs headers or bodies today (the access log picks its fields one by one); these
 * paths are the safety net should a request, a response or its headers ever be logged whole.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'authorization',
  'cookie',
  'password',
  'token',
];

export type LogSettings = Pick<AppConfig, 'logLevel' | 'logFormat'>;

export async function createRootLogger(settings: LogSettings): Promise<Logger> {
  const pretty = settings.logFormat === 'pretty' ? await prettyStream() : undefined;
  const logger = pino(
    {
      level: PINO_LEVELS[settings.logLevel] ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: readable by people and by every log collector.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // A request logged whole would carry its query string (tokens, e-mail look-ups): never.
      serializers: { req: safeRequest },
    },
    // process.stdout writes synchronously to files, pipes and terminals on Linux (Node's
    // documented behaviour), so a line logged just before process.exit() is not lost and lines
    // never interleave; going through the stream (not fd 1) also lets a test read the log.
    pretty ?? process.stdout,
  );
  if (settings.logFormat === 'pretty' && !pretty) {
    logger.warn(
      'LOG_FORMAT=pretty needs pino-pretty, a development dependency not installed here: logging JSON',
    );
  }
  return logger;
}

/**
 * pino-pretty is a development dependency: the image logs JSON (its stdout is no terminal), so
 * it does not ship there, and is loaded only when pretty output is asked for.
 */
async function prettyStream(): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({
      destination: 1,
      sync: true,
      // Colours only for a terminal: LOG_FORMAT=pretty redirected to a file stays plain text.
      colorize: Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context',
      messageFormat: '{if context}[{context}] {end}{msg}',
    });
  } catch {
    return undefined;
  }
}

function safeRequest(req: IncomingMessage): { method?: string; path?: string } {
  return { method: req.method, path: req.url?.split('?')[0] };
}
