import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default async function globalTeardown() {
  if (process.env.TEST_OPENAPI_DOCUMENT) {
    rmSync(dirname(process.env.TEST_OPENAPI_DOCUMENT), { recursive: true, force: true });
  }
  const state = globalThis.__SMARTRETAIL_EMBEDDED__;
  if (!state) return;
  await state.embedded.stop();
  state.log.end();
  rmSync(state.dir, { recursive: true, force: true });
}
