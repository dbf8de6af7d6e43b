import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { closeConnectionsInStages } from './staged-close';

const BODY_START = 'email,name\n';
const CHUNK = 'x'.repeat(16 * 1024);
const REST_CHUNKS = 5;

/** An upload refused before its body is read, as the service refuses an unknown dataset. */
async function refusingServer(lingerMs?: number): Promise<{ server: Server; sockets: Socket[] }> {
  const server = createServer((_req, res) => {
    res.statusCode = 400;
    res.end('refused');
  });
  const sockets: Socket[] = [];
  server.on('connection', (socket) => sockets.push(socket));
  closeConnectionsInStages(server, lingerMs);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, sockets };
}

/** Sends the head of a `Connection: close` upload and the start of its body; resolves on the answer. */
async function startUpload(server: Server): Promise<{ client: Socket; answer: string }> {
  // Half-open, as an HTTP client writing its body is: the server's FIN does not end its writing.
  const { port } = server.address() as AddressInfo;
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(client, 'connect');
  client.write(
    'POST /datasets/unicorns/imports HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
      `Content-Type: text/csv\r\nContent-Length: ${BODY_START.length + REST_CHUNKS * CHUNK.length}\r\n\r\n${BODY_START}`,
  );
  let answer = '';
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => (answer += chunk));
  await once(client, 'end'); // the server's FIN: the answer is complete
  return { client, answer };
}

describe('closeConnectionsInStages', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  it('keeps reading the rest of a refused body after the answer, and closes when the client does', async () => {
    const started = await refusingServer();
    server = started.server;
    const { client, answer } = await startUpload(server);
    expect(answer).toMatch(/^HTTP\/1\.1 400 [\s\S]*\r\nConnection: close\r\n[\s\S]*refused$/);

    const [serverSide] = started.sockets;
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    const readBefore = serverSide.bytesRead;
    // What a client writing its body meets after the answer: a socket that still reads.
    for (let i = 0; i < REST_CHUNKS; i++) {
      await new Promise<void>((resolve, reject) =>
        client.write(CHUNK, (error) => (error ? reject(error) : resolve())),
      );
    }
    await new Promise<void>((resolve) => {
      const check = () =>
        serverSide.bytesRead >= readBefore + REST_CHUNKS * CHUNK.length
          ? resolve()
          : setImmediate(check);
      check();
    });
    expect(serverSide.destroyed).toBe(false);

    client.end();
    await once(serverSide, 'close');
    expect(errors).toEqual([]);
  });

  it('destroys the connection after the linger time when the client never closes', async () => {
    const started = await refusingServer(20);
    server = started.server;
    const { client } = await startUpload(server);
    await once(started.sockets[0], 'close');
    client.destroy();
  });
});
