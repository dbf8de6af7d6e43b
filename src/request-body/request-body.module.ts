/**
 * Request bodies (RequestBodyMiddleware). Nest's own parsers are off (`bodyParser: false` in
 * http-application.ts): these replace them, on every path.
 */
import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { RequestBodyMiddleware } from './request-body.middleware';

@Module({})
export class RequestBodyModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // use(), not a route, like the access log and the metrics (see logging.module.ts).
    consumer.apply(RequestBodyMiddleware).forRoutes('{*path}');
  }
}
