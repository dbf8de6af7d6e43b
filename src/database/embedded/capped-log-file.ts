/**
 * An append-only log file of bounded size: past `maxBytes` it becomes `<name>.1` (replacing the
 * previous one) and a new file starts, so at most twice `maxBytes` is ever kept. It lives on the
 * disk whose filling it may have to explain, so a failed write never throws: the bytes are
 * counted and the next successful write says how many were lost.
 */
import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class CappedLogFile {
  private fd?: number;
  private size = 0;
  private lostBytes = 0;
  private lastError?: string;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
  ) {}

  write(text: string): void {
    try {
      this.open();
      if (this.size >= this.maxBytes) this.rotate();
      if (this.lostBytes) {
        this.append(
          `[smartretail] ${this.lostBytes} bytes of PostgreSQL's log could not be written here (${this.lastError})\n`,
        );
        this.lostBytes = 0;
      }
      this.append(text);
    } catch (error) {
      this.lostBytes += Buffer.byteLength(text);
      this.lastError = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    if (this.fd !== undefined) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // 0600: with log_statement set by an operator, statements (never keys) appear here.
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = statSync(this.path).size;
  }

  private rotate(): void {
    this.close();
    renameSync(this.path, `${this.path}.1`);
    this.open();
  }

  private append(text: string): void {
    const bytes = Buffer.from(text);
    writeSync(this.fd!, bytes);
    this.size += bytes.length;
  }
}
