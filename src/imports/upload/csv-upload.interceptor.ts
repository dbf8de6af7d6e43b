/**
 * Checks an upload's dataset, mode and content type before reading a byte of the body, then
 * runs multer with the streaming import engine and leaves the ImportReport on the request.
 * Multer's errors become domain errors with messages an operator can act on.
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
import { DomainError, DomainErrorCode, invalidInput, notFound } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import { datasetForFile } from '../dataset-file-matcher';
import type { ImportMode, ImportReport } from '../import-report';
import { ImportService } from '../import.service';
import { ImportStorageEngine, StoredImport, tooLarge } from './import-storage-engine';

export const UPLOAD_FIELD = 'file';
const REPORT = Symbol('importReport');
const BROKEN_BODY =
  /^(Unexpected end of (form|multipart data)|Malformed|Multipart: Boundary not found|Request (aborted|closed))/;

type UploadRequest = Request & {
  [REPORT]?: ImportReport;
  file?: Express.Multer.File & StoredImport;
};

function parseMode(mode: unknown): ImportMode {
  if (mode === undefined || mode === 'default') return 'default';
  if (mode === 'atomic') return 'atomic';
  throw invalidInput('mode must be "default" or "atomic"');
}

@Injectable()
export class CsvUploadInterceptor implements NestInterceptor {
  constructor(
    private readonly config: AppConfig,
    private readonly imports: ImportService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<UploadRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const dataset = datasetForFile(`${String(req.params.dataset)}.csv`);
    if (!dataset) throw notFound(`no dataset named ${String(req.params.dataset)}`);
    const mode = parseMode(req.query.mode);
    if (!req.is('multipart/form-data')) {
      throw new DomainError(
        DomainErrorCode.UnsupportedMediaType,
        `send the CSV as multipart/form-data in the field "${UPLOAD_FIELD}"`,
      );
    }
    const maxBytes = this.config.importMaxBytes;
    const upload = multer({
      storage: new ImportStorageEngine(this.imports, dataset, mode, maxBytes),
      limits: { fileSize: maxBytes, files: 1 },
    }).single(UPLOAD_FIELD);
    await new Promise<void>((resolve, reject) =>
      upload(req, res, (error: unknown) =>
        error ? reject(this.asDomainError(error, maxBytes)) : resolve(),
      ),
    );
    if (!req.file) throw invalidInput(`no file in the field "${UPLOAD_FIELD}"`);
    const { report, failure } = req.file.importResult;
    if (failure) throw failure;
    req[REPORT] = report;
    return next.handle();
  }

  private asDomainError(error: unknown, maxBytes: number): unknown {
    if (!(error instanceof MulterError)) {
      // busboy's own complaints about a broken multipart body are the client's fault, not a 500.
      const broken = error instanceof Error && BROKEN_BODY.test(error.message);
      return broken ? invalidInput(`malformed multipart body: ${(error as Error).message}`) : error;
    }
    if (error.code === 'LIMIT_FILE_SIZE') return tooLarge(maxBytes);
    if (error.code === 'LIMIT_UNEXPECTED_FILE' || error.code === 'LIMIT_FILE_COUNT')
      return invalidInput(`send exactly one file, in the field "${UPLOAD_FIELD}"`);
    return invalidInput(`malformed upload: ${error.message}`);
  }
}

/** The report the interceptor produced for this request. */
export const UploadedImport = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<UploadRequest>()[REPORT],
);
