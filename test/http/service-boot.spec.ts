import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createHttpApplication } from '../../src/http-application';
import { TestDatabase } from '../support/test-database';

describe('the service over HTTP', () => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await TestDatabase.create();
    const config = await db.migrate();
    app = await createHttpApplication(config);
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('answers readiness once migrated, connected as app_user', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('answers unknown routes with the JSON error shape and a request id', async () => {
    const res = await request(app.getHttpServer())
      .get('/nowhere')
      .set('x-request-id', 'req-123')
      .expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /nowhere',
      requestId: 'req-123',
    });
  });
});
