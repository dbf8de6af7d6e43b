/**
 * What every `npm run <cli>` shares, so they all answer the same way:
 * - `--help` / `-h` prints the usage on stdout and exits 0;
 * - exit 2, usage error, nothing was run: unknown flag, missing or bad argument, and an input
 *   file named on the command line that does not exist (the command is wrong, not the data);
 * - exit 1, the run failed (database down, invalid data, a file vanishing mid-run...);
 * - every failure is one line `<cli>: <why>` on stderr, never a raw stack or `ENOENT` dump;
 * - log lines are coloured only on a terminal: redirected to a file or a pipe, they hold no
 *   ANSI escape codes (Nest colours unless NO_COLOR is set, whatever the output).
 */
import { ConsoleLogger, Logger } from '@nestjs/common';
import { parseArgs } from 'node:util';

export interface CliDefinition {
  /** As typed after `npm run`, e.g. `import`; prefixes every error line. */
  name: string;
  /** Starts with `usage: npm run ...`; printed by --help and after a usage error. */
  usage: string;
}

/** Wrong command line: exit 2, the usage follows the message. */
export class UsageError extends Error {}

/** An input path given on the command line does not exist: exit 2, one line. */
export class MissingInputError extends Error {
  constructor(readonly path: string) {
    super(`no such file or directory: ${path}`);
  }
}

class HelpRequested extends Error {}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'] & object;

/** Spelled out so the declaration the bench build reads (bench/tsconfig.json) can name it. */
type ParsedCommandLine<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>
>;

/**
 * Strict parsing (unknown flags and missing values are usage errors) with `--help` built in.
 * The generic keeps parseArgs's typed `values`.
 */
export function parseCommandLine<O extends Options>(
  argv: string[],
  options: O,
  positionals: { min: number; max: number } = { min: 0, max: 0 },
): ParsedCommandLine<O> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: positionals.max > 0,
      strict: true,
    });
  } catch (error) {
    // Node appends a hint about `--` to unknown options; the usage printed after says enough.
    throw new UsageError((error as Error).message.split('. To specify a positional')[0]);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError('missing argument');
  if (count > positionals.max)
    throw new UsageError(`unexpected argument ${parsed.positionals[count - 1]}`);
  return parsed;
}

/** `--batch-size <n>` alone (default 1000), for the CLIs that work through a table in batches. */
export function parseBatchSize(argv: string[]): number {
  const { values } = parseCommandLine(argv, { 'batch-size': { type: 'string' } });
  const batchSize = Number(values['batch-size'] ?? 1000);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError('--batch-size must be a whole number, at least 1');
  return batchSize;
}

/** Asks for --help by hand, for CLIs whose arguments parseArgs cannot express. */
export function wantsHelp(argv: string[]): void {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested();
}

/** The exit code for what `main` threw, after printing it. */
export function reportFailure(cli: CliDefinition, error: unknown, withStack = false): number {
  if (error instanceof HelpRequested) {
    console.log(cli.usage);
    return 0;
  }
  if (error instanceof UsageError) {
    console.error(`${cli.name}: ${error.message}\n${cli.usage}`);
    return 2;
  }
  if (error instanceof MissingInputError) {
    console.error(`${cli.name}: ${error.message}`);
    return 2;
  }
  console.error(`${cli.name} failed: ${describe(error, withStack)}`);
  return 1;
}

function describe(error: unknown, withStack: boolean): string {
  if (!(error instanceof Error)) return String(error);
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT' && path) return `no such file or directory: ${path}`;
  return (withStack && error.stack) || error.message;
}

/**
 * Runs `main` and exits with its code (0 when it returns nothing). Exits explicitly: a CLI that
 * has finished must not linger on a timer or a pool some library left open.
 */
export function runCli(
  cli: CliDefinition,
  main: () => Promise<number | void> | number | void,
  options: { stack?: boolean; stoppedBySignal?: () => boolean } = {},
): void {
  Logger.overrideLogger(new ConsoleLogger({ colors: Boolean(process.stdout.isTTY) }));
  // Once a shutdown signal's handler has taken over, it decides the exit code, not main.
  const stopped = options.stoppedBySignal ?? (() => false);
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        if (!stopped()) process.exit(code ?? 0);
      },
      (error: unknown) => {
        if (!stopped()) process.exit(reportFailure(cli, error, options.stack));
      },
    );
}
