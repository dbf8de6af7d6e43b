import {
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { ListImportsQuery } from './dto/list-imports.query';
import { ImportHistoryService, ImportRunPage } from './import-history.service';
import type { ImportReport } from './import-report';
import { CsvUploadInterceptor, UploadedImport } from './upload/csv-upload.interceptor';

@Controller('imports')
@Roles('admin', 'writer')
export class ImportsController {
  constructor(private readonly history: ImportHistoryService) {}

  /** multipart/form-data, field `file`; the interceptor streams it into the database. */
  @Post(':dataset')
  @Roles('admin', 'writer')
  @HttpCode(201)
  @UseInterceptors(CsvUploadInterceptor)
  upload(@UploadedImport() report: ImportReport): ImportReport {
    return report;
  }

  @Get()
  @Roles('admin', 'writer')
  list(@Query() query: ListImportsQuery): Promise<ImportRunPage> {
    return this.history.list(query.limit, query.offset);
  }

  @Get(':id')
  @Roles('admin', 'writer')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ImportReport> {
    return this.history.get(id);
  }

  @Get(':id/rejections')
  @Roles('admin', 'writer')
  rejections(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    return this.history.writeRejectionsCsv(id, () =>
      res.status(200).type('text/csv; charset=utf-8').attachment(`import-${id}-rejections.csv`),
    );
  }
}
