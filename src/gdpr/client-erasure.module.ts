import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClientErasureController } from './client-erasure.controller';
import { ClientErasureRepository } from './client-erasure.repository';
import { ClientErasureService } from './client-erasure.service';

/** Right to erasure (Art. 17): DELETE /clients/{id}. */
@Module({
  imports: [AuditModule],
  controllers: [ClientErasureController],
  providers: [ClientErasureRepository, ClientErasureService],
})
export class ClientErasureModule {}
