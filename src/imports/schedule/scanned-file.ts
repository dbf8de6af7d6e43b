/**
 * One file of the import directory, opened once: its state (size, modification time) is read
 * from the open descriptor, its checksum decides whether the content was imported before, and
 * the import reads the same descriptor again. Renaming another file into place does not change
 * what an open descriptor reads; a writer appending to or rewriting this very file does, and the
 * import then fails with ContentChangedError instead of committing a mixture.
 */
import { createHash } from 'node:crypto';
import { FileHandle, open } from 'node:fs/promises';
import { ContentChangedError } from '../engine/content-changed.error';
import type { FileState } from './file-settle-watch';

export class ScannedFile {
  private expectedChecksum?: string;

  private constructor(
    private readonly handle: FileHandle,
    readonly state: FileState,
  ) {}

  static async open(path: string): Promise<ScannedFile> {
    const handle = await open(path, 'r');
    try {
      const { size, mtimeMs } = await handle.stat();
      return new ScannedFile(handle, { size, mtimeMs });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** SHA-256 of the file's bytes, read once; the import must read the very same bytes. */
  async checksum(): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of this.read()) hash.update(chunk);
    this.expectedChecksum = hash.digest('hex');
    return this.expectedChecksum;
  }

  /**
   * The bytes to import. After the last one, and so before the import commits, they are proved
   * to be the bytes the checksum was computed over: same hash, same length, and a descriptor
   * whose size and modification time have not moved since the file was opened.
   */
  async *content(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of this.read()) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
    const now = await this.handle.stat();
    const unchanged =
      bytes === this.state.size &&
      now.size === this.state.size &&
      now.mtimeMs === this.state.mtimeMs &&
      hash.digest('hex') === this.expectedChecksum;
    if (!unchanged) throw new ContentChangedError();
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private read(): AsyncIterable<Buffer> {
    return this.handle.createReadStream({ start: 0, autoClose: false });
  }
}

/** The checksum a scan would compute for the file at `path` (the load test waits for it). */
export async function fileChecksum(path: string): Promise<string> {
  const file = await ScannedFile.open(path);
  try {
    return await file.checksum();
  } finally {
    await file.close();
  }
}
