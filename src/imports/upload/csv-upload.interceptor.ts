/**
 * Adapts an upload to the import: checks the dataset, mode, content type and the import queue's
 * room before reading a byte of the body, then receives the file into a private temporary file
 * (UploadSpool) and leaves a ReceivedUpload on the request for the controller. Receiving is
 * bounded: the size by IMPORT_MAX_BYTES (413), the body's idle time by UPLOAD_IDLE_TIMEOUT_MS
 * (408). An upload cut short that way is recorded as a failed run with its reason.
 */
import {
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { Observable } from 'rxjs';
import type { DatasetSpec } from '../../catalog/dataset.types';
import { DomainError, DomainErrorCode, invalidInput, notFound } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import { CSV_ENCODINGS, CsvEncoding, parseCsvEncoding } from '../engine/csv/csv-text-decoder';
import { datasetForFile } from '../schedule/dataset-file-matcher';
import { ImportQueue } from '../engine/import-queue';
import type { ImportMode } from '../history/import-run';
import { ImportService } from '../engine/import.service';
import { ReceivedUpload, removeSpooled, SpooledFile, UploadSpool } from './upload-spool';

export const UPLOAD_FIELD = 'file';
const UPLOAD = Symbol('receivedUpload');
const BROKEN_BODY =
  /^(Unexpected end of (form|multipart data)|Malformed|Multipart: Boundary not found|Request (aborted|closed))/;

type UploadRequest = Request & {
  [UPLOAD]?: ReceivedUpload;
  file?: Express.Multer.File & SpooledFile;
};

function parseMode(mode: unknown): ImportMode {
  if (mode === undefined || mode === 'default') return 'default';
  if (mode === 'atomic') return 'atomic';
  throw invalidInput('mode must be "default" or "atomic"');
}

function parseEncoding(encoding: unknown): CsvEncoding | undefined {
  if (encoding === undefined) return undefined;
  const parsed = typeof encoding === 'string' ? parseCsvEncoding(encoding) : undefined;
  if (!parsed) throw invalidInput(`encoding must be one of ${CSV_ENCODINGS.join(', ')}`);
  return parsed;
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

@Injectable()
export class CsvUploadInterceptor implements NestInterceptor {
  constructor(
    private readonly config: AppConfig,
    private readonly queue: ImportQueue,
    private readonly imports: ImportService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<UploadRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const dataset = datasetForFile(`${String(req.params.dataset)}.csv`);
    if (!dataset) throw notFound(`no dataset named ${String(req.params.dataset)}`);
    const mode = parseMode(req.query.mode);
    const encoding = parseEncoding(req.query.encoding);
    if (!req.is('multipart/form-data')) {
      throw new DomainError(
        DomainErrorCode.UnsupportedMediaType,
        `send the CSV as multipart/form-data in the field "${UPLOAD_FIELD}"`,
      );
    }
    // Refuse before the body is read: a full queue would only refuse it afterwards.
    this.queue.assertRoom();
    await this.receive(req, res, dataset, mode);
    if (!req.file) throw invalidInput(`no file in the field "${UPLOAD_FIELD}"`);
    const { path, size, originalname } = req.file;
    req[UPLOAD] = { dataset, mode, encoding, fileName: originalname, path, size };
    // The import removes it when done; this covers a request that ends before it gets there.
    res.once('close', () => removeSpooled(path));
    return next.handle();
  }

  private async receive(
    req: UploadRequest,
    res: Response,
    dataset: DatasetSpec,
    mode: ImportMode,
  ): Promise<void> {
    const maxBytes = this.config.importMaxBytes;
    const idleMs = this.config.uploadIdleTimeoutMs;
    const spool = new UploadSpool();
    const upload = multer({ storage: spool, limits: { fileSize: maxBytes, files: 1 } }).single(
      UPLOAD_FIELD,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        // The socket's idle timer: reset by every byte that arrives.
        req.setTimeout(idleMs, () => {
          // Nobody will read the rest: close the connection once the 408 is sent.
          res.once('finish', () => req.socket.destroy());
          reject(idle(idleMs));
        });
        upload(req, res, (error: unknown) =>
          error ? reject(this.asDomainError(error, maxBytes)) : resolve(),
        );
      });
    } catch (error) {
      if (spool.received && error instanceof DomainError) {
        const { fileName, bytes } = spool.received;
        await this.imports.recordFailedUpload({ dataset, mode, fileName }, bytes, error);
      }
      throw error;
    } finally {
      req.setTimeout(0);
    }
  }

  private asDomainError(error: unknown, maxBytes: number): Error {
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
}

/** The upload the interceptor received for this request. */
export const ReceivedCsvUpload = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<UploadRequest>()[UPLOAD],
);
