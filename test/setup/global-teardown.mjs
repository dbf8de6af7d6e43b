import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const state = globalThis.__SMARTRETAIL_EMBEDDED__;
  if (!state) return;
  await state.embedded.stop();
  state.log.end();
  rmSync(state.dir, { recursive: true, force: true });
}
