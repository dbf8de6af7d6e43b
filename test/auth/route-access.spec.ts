import { Controller, Get, INestApplication, RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { PUBLIC_KEY, ROLES_KEY } from '../../src/auth/access.decorators';
import { AuthModule } from '../../src/auth/auth.module';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { ConfigModule } from '../../src/config/config.module';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { TestDatabase } from '../support/test-database';

interface DeclaredRoute {
  route: string;
  roles?: string[];
  isPublic?: boolean;
}

/** Every handler of every controller the application registers, with its access metadata. */
function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  return discovery.getControllers().flatMap(({ instance, metatype }) => {
    if (!instance || !metatype) return [];
    const prototype = Object.getPrototypeOf(instance) as object;
    return scanner.getAllMethodNames(prototype).flatMap((name) => {
      const handler = (prototype as Record<string, unknown>)[name] as () => unknown;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const path = `${Reflect.getMetadata(PATH_METADATA, metatype) as string}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`;
      const targets = [handler, metatype];
      return [
        {
          route: `${method} /${path.replace(/\/+/g, '/').replace(/^\/|\/$/g, '')}`,
          roles: reflector.getAllAndOverride<string[]>(ROLES_KEY, targets),
          isPublic: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets),
        },
      ];
    });
  });
}

describe('route access declarations', () => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await startHttpHarness();
  });
  afterAll(() => h.close());

  it('finds the routes of every controller (the enumeration itself works)', () => {
    const routes = declaredRoutes(h.app).map((r) => r.route);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /health/live',
        'GET /health/ready',
        'GET /datasets',
        'GET /datasets/:dataset/records',
        'GET /datasets/:dataset/records/:id',
        'GET /audit',
      ]),
    );
  });

  it('has @Roles or @Public on every controller route, never both', () => {
    const undeclared = declaredRoutes(h.app).filter(
      (r) => !r.isPublic === !(r.roles && r.roles.length > 0),
    );
    expect(undeclared).toEqual([]);
  });
});

@Controller('forgotten')
class ForgottenController {
  @Get()
  secret(): string {
    return 'should never be served';
  }
}

describe('a route that declares no access', () => {
  let app: INestApplication;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await TestDatabase.create();
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config()), AuthModule],
      controllers: [ForgottenController],
    }).compile();
    app = module.createNestApplication({ logger: false });
    app.useGlobalFilters(new HttpExceptionFilter());
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('is refused even to an admin (the guard fails closed)', async () => {
    const res = await request(app.getHttpServer())
      .get('/forgotten')
      .set(...bearer('admin'))
      .expect(403);
    expect(JSON.stringify(res.body)).not.toContain('should never be served');
  });
});
