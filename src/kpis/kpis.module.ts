import { Module } from '@nestjs/common';
import { KpisController } from './kpis.controller';
import { KpisRepository } from './kpis.repository';
import { KpisService } from './kpis.service';

/** Business KPIs over the aggregate views: GET /kpis/{name}. */
@Module({
  controllers: [KpisController],
  providers: [KpisService, KpisRepository],
})
export class KpisModule {}
