import { Controller, Get, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthModule } from '../../src/auth/auth.module';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { ConfigModule } from '../../src/config/config.module';
import { declaredRoutes } from '../support/declared-routes';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { TestDatabase } from '../support/test-database';

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
