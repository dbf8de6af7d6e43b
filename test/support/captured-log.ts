/**
 * The service's log lines written while a function runs, read where pino writes them
 * (process.stdout, in JSON: the tests' LOG_FORMAT), for tests of what an operator sees.
 */
export interface LogLine {
  level?: string;
  context?: string;
  msg?: string;
  [field: string]: unknown;
}

export async function logOf(run: () => Promise<void>): Promise<LogLine[]> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}
