import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/caller.decorator';
import { DATABASE_UNAVAILABLE } from '../common/openapi-responses';
import { ClientExportService } from './client-export.service';
import { ClientExportDto } from './dto/client-export.dto';
import { ClientPathParams } from './dto/client-path.params';

@ApiTags('gdpr')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or badly signed token' })
@Controller('clients')
export class ClientExportController {
  constructor(private readonly exports: ClientExportService) {}

  @Get(':id/export')
  @Roles('admin')
  @ApiOperation({
    summary: 'Everything held about one client, in clear (GDPR access and portability)',
  })
  @ApiParam({ name: 'id', type: Number, description: 'The client id' })
  @ApiProduces('application/json')
  @ApiOkResponse({
    type: ClientExportDto,
    description:
      'Everything held about the client, as a JSON attachment (GDPR Art. 15 and 20); audited',
  })
  @ApiBadRequestResponse({ description: 'The id is not a positive integer' })
  @ApiNotFoundResponse({ description: 'No client has this id' })
  @ApiForbiddenResponse({ description: 'Only admin exports a client' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  async export(
    @CurrentCaller() caller: Caller,
    @Param() path: ClientPathParams,
  ): Promise<StreamableFile> {
    const { fileName, content } = await this.exports.export(caller, path.id);
    // Headers are out once the stream fails; cutting the connection is the only honest answer
    // left (a cleanly ended body would look like a complete document).
    return new StreamableFile(content, {
      type: 'application/json; charset=utf-8',
      disposition: `attachment; filename="${fileName}"`,
    }).setErrorHandler((_error, response) => response.destroy?.());
  }
}
