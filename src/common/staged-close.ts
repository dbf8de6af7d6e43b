/**
 * RFC 9112 §9.6: a connection the server closes is closed in stages. Node closes a connection
 * whose request asked for it (`Connection: close`) as soon as the answer is written
 * (`socket.destroySoon`: FIN, then a full close once it is flushed), even when the request's body
 * is still arriving. An upload refused before its body is read (400 for an unknown dataset, 415
 * not multipart, 503 queue full ...) then meets a closed socket with its next bytes; the kernel
 * answers them with a reset, and the client gets EPIPE or ECONNRESET while writing, possibly
 * before it has read the refusal.
 *
 * So here that close only half-closes: the answer and the FIN go out, the rest of the request is
 * read and discarded (Node's parser drops the body of an answered request), and the socket is
 * destroyed when the client closes its side, or after `lingerMs` at the latest, so a client that
 * keeps sending cannot hold the connection. Connections closed on purpose (an upload given up as
 * idle or too large, which destroys its socket) are not affected.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export const LINGER_MS = 2000;

export function closeConnectionsInStages(server: Server, lingerMs = LINGER_MS): void {
  server.on('connection', (socket: Socket) => {
    socket.destroySoon = function closeInStages(this: Socket): void {
      if (this.destroyed) return;
      if (this.writable) this.end();
      // Destroying before the answer is flushed would drop it: wait for 'finish' too.
      const destroyOnceWritten = () => {
        if (this.writableFinished) this.destroy();
        else this.once('finish', () => this.destroy());
      };
      if (this.readableEnded) return destroyOnceWritten();
      const linger = setTimeout(() => this.destroy(), lingerMs).unref();
      this.once('close', () => clearTimeout(linger));
      this.once('end', destroyOnceWritten);
      this.resume();
    };
  });
}
