import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/access.decorators';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import { HealthCheckDto } from './dto/health-check.dto';
import { ReadinessIndicators } from './readiness.indicators';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
  ) {}

  /** The process is up and serving HTTP; says nothing about dependencies. */
  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP' })
  @ApiOkResponse({ description: 'The process is up.', type: HealthCheckDto })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Ready to serve: database reachable, schema up to date, encryption key working, disk free,
   * no import stuck, the JWKS fetched (with JWT_JWKS_URL). The requests' pool is reported
   * (saturated or not) but never fails it; the database checks have a connection of their own.
   * Terminus runs every check (none short-circuits), so a 503 names all that fail.
   */
  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: every dependency checked, each failing one named' })
  @ApiOkResponse({ description: 'Every check is up; the body lists them.', type: HealthCheckDto })
  @ApiServiceUnavailableResponse({ description: 'The message names the failing checks.' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.readiness.all());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Terminus reports through an HttpException; the API's error shape names the checks.
      const result = error.getResponse() as HealthCheckResult;
      const failing = Object.keys(result.error ?? {});
      throw new DomainError(DomainErrorCode.Unavailable, `Not ready: ${failing.join(', ')}`, {
        failing,
        checks: result.details,
      });
    }
  }
}
