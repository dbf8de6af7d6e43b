/**
 * A TCP port on 127.0.0.1 that nothing listens on at the moment of asking (the kernel picks it).
 * The service itself listens where it is configured; this is for the tools around it that start
 * a server of their own: the tests' PostgreSQL and service processes, the benchmark's service.
 * One copy, so its error handling (a failed listen rejects, never hangs) exists once.
 */
import { createServer } from 'node:net';

export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
