/**
 * Transport only: hands the upload service the CSV file of a multipart/form-data request. Nothing
 * is read when the handler is called: the service first refuses what it must refuse before a
 * byte of the body is read (a bad dataset, mode or encoding by validation, then the content type,
 * then a full import queue), and only then calls `receive`, which writes the file into this
 * instance's spool directory (UploadSpool) with multer. That is why this is a lazy parameter and not an
 * interceptor: interceptors run before parameter validation, and reading the body there would
 * read it before the request is known to be acceptable.
 */
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { DomainError, DomainErrorCode, invalidInput } from '../../common/domain-error';
import { SpooledFile, UploadSpool } from './upload-spool';
import { removeSpooled, UploadSpoolDirectory } from './upload-spool-directory';

export const UPLOAD_FIELD = 'file';
const BROKEN_BODY =
  /^(Unexpected end of (form|multipart data)|Malformed|Multipart: Boundary not found|Request (aborted|closed))/;

export interface UploadLimits {
  maxBytes: number;
  idleTimeoutMs: number;
}

/** The file part as far as it was received, for the run recorded when receiving fails. */
export interface PartialUpload {
  fileName: string;
  bytes: number;
}

/** A received file: the spooled copy and the name the client gave it. */
export interface ReceivedCsvFile extends SpooledFile {
  fileName: string;
}

/** What the upload service sees of the request: whether it is multipart, and the file on demand. */
export interface CsvUpload {
  readonly isMultipart: boolean;
  /** Set once the file part started arriving (even when receiving it then failed). */
  readonly partial?: PartialUpload;
  /** Receives the whole file into `spool`; 400 (malformed, no file), 408 (idle) or 413 (too large). */
  receive(limits: UploadLimits, spool: UploadSpoolDirectory): Promise<ReceivedCsvFile>;
}

export const tooLarge = (maxBytes: number): DomainError =>
  new DomainError(
    DomainErrorCode.PayloadTooLarge,
    `the file is larger than the upload limit of ${maxBytes} bytes (IMPORT_MAX_BYTES); nothing was imported`,
  );

const idle = (ms: number): DomainError =>
  new DomainError(
    DomainErrorCode.RequestTimeout,
    `the upload sent nothing for ${ms / 1000} s (UPLOAD_IDLE_TIMEOUT_MS); nothing was imported`,
  );

type UploadRequest = Request & { file?: Express.Multer.File & SpooledFile };

class MultipartCsvUpload implements CsvUpload {
  private spool?: UploadSpool;

  constructor(
    private readonly req: UploadRequest,
    private readonly res: Response,
  ) {}

  get isMultipart(): boolean {
    return Boolean(this.req.is('multipart/form-data'));
  }

  get partial(): PartialUpload | undefined {
    return this.spool?.received;
  }

  async receive(
    { maxBytes, idleTimeoutMs }: UploadLimits,
    directory: UploadSpoolDirectory,
  ): Promise<ReceivedCsvFile> {
    const { req, res } = this;
    try {
      await new Promise<void>((resolve, reject) => {
        // Nobody will read the rest: close the connection once the answer is sent.
        const giveUp = (error: Error) => {
          res.once('finish', () => req.socket.destroy());
          reject(error);
        };
        const spool = (this.spool = new UploadSpool(directory, giveUp));
        const upload = multer({
          storage: spool,
          limits: { fileSize: maxBytes, files: 1 },
        }).single(UPLOAD_FIELD);
        // The socket's idle timer: reset by every byte that arrives.
        req.setTimeout(idleTimeoutMs, () => giveUp(idle(idleTimeoutMs)));
        upload(req, res, (error: unknown) =>
          error ? reject(asDomainError(error, maxBytes)) : resolve(),
        );
      });
    } catch (error) {
      this.spool?.discard();
      throw error;
    } finally {
      req.setTimeout(0);
    }
    if (!req.file) throw invalidInput(`no file in the field "${UPLOAD_FIELD}"`);
    const { path, size, originalname } = req.file;
    // The import removes it when done; this covers a request that ends before it gets there.
    res.once('close', () => removeSpooled(path));
    return { path, size, fileName: originalname };
  }
}

function asDomainError(error: unknown, maxBytes: number): Error {
  if (!(error instanceof MulterError)) {
    // busboy's own complaints about a broken multipart body are the client's fault, not a 500.
    if (!(error instanceof Error)) return new Error(String(error));
    return BROKEN_BODY.test(error.message)
      ? invalidInput(`malformed multipart body: ${error.message}`)
      : error;
  }
  if (error.code === 'LIMIT_FILE_SIZE') return tooLarge(maxBytes);
  if (error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT')
    return invalidInput(`send exactly one file, in the field "${UPLOAD_FIELD}"`);
  return invalidInput(`malformed upload: ${error.message}`);
}

/** The request's multipart CSV upload, not read yet (see the header comment). */
export const MultipartCsv = createParamDecorator(
  (_data: unknown, context: ExecutionContext): CsvUpload =>
    new MultipartCsvUpload(
      context.switchToHttp().getRequest<UploadRequest>(),
      context.switchToHttp().getResponse<Response>(),
    ),
);
