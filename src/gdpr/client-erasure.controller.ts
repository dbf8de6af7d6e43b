import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/caller.decorator';
import { ClientErasureService } from './client-erasure.service';
import { ClientPathParams } from './dto/client-path.params';
import { DATABASE_UNAVAILABLE } from '../common/openapi-responses';

@ApiTags('gdpr')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or badly signed token' })
@Controller('clients')
export class ClientErasureController {
  constructor(private readonly erasure: ClientErasureService) {}

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase a client by destroying its data key (GDPR erasure, crypto-shredding)',
  })
  @ApiParam({ name: 'id', type: Number, description: 'client_id' })
  @ApiNoContentResponse({
    description:
      'Erased (crypto-shredded): the data key is destroyed, the row is a tombstone. Erasing an erased client answers 204 again.',
  })
  @ApiNotFoundResponse({ description: 'No client with this id ever existed' })
  @ApiForbiddenResponse({ description: 'Only admin erases' })
  @ApiServiceUnavailableResponse(DATABASE_UNAVAILABLE)
  erase(@CurrentCaller() caller: Caller, @Param() path: ClientPathParams): Promise<void> {
    return this.erasure.erase(caller, path.id);
  }
}
