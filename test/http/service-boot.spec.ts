import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { HttpHarness, startHttpHarness } from '../support/http-app';

describe('the service over HTTP', () => {
  let app: INestApplication;

  let harness: HttpHarness;

  beforeAll(async () => {
    harness = await startHttpHarness();
    ({ app } = harness);
  });
  afterAll(() => harness.close());

  it('answers readiness once migrated, connected as app_user', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it("answers unknown routes with the JSON error shape and the server's own request id", async () => {
    const res = await request(app.getHttpServer())
      .get('/nowhere')
      .set('x-request-id', 'req-123')
      .expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /nowhere',
      requestId: res.headers['x-request-id'],
    });
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-correlation-id']).toBe('req-123');
  });
});
