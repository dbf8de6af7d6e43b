import type { OpenAPIObject } from '@nestjs/swagger';
import { createServer } from 'node:http';
import request from 'supertest';
import { buildOfflineOpenApiDocument } from '../../src/common/openapi-offline';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { ObservedResponse, ResponseContract } from '../support/openapi-contract';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';

/** What supertest saw, in the form the contract checks. */
const observed = (method: string, res: request.Response): ObservedResponse => ({
  method,
  url: (res as unknown as { req: { path: string } }).req.path,
  status: res.status,
  contentType: res.headers['content-type'],
  body: res.body as unknown,
  text: res.text,
});

describe('responses are checked against the OpenAPI description', () => {
  let h: HttpHarness;
  let document: OpenAPIObject;
  let contract: ResponseContract;
  const server = () => h.app.getHttpServer();

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, 3));
    // An Express route no controller declares, so the description cannot know it.
    h.app
      .getHttpAdapter()
      .get('/undescribed', (_req: unknown, res: { json(b: object): void }) =>
        res.json({ ok: true }),
      );
    document = await buildOfflineOpenApiDocument();
    contract = new ResponseContract(document);
  });
  afterAll(() => h.close());

  it('serves at /docs-json the very document the offline build lints', async () => {
    const served = await request(server()).get('/docs-json').expect(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('accepts a real page of records, a single record and an error body', async () => {
    const page = await request(server())
      .get('/datasets/clients/records')
      .set(...bearer('analyst'))
      .expect(200);
    expect(contract.check(observed('GET', page))).toBeUndefined();
    const one = await request(server())
      .get('/datasets/magasins/records/1')
      .set(...bearer('admin'))
      .expect(200);
    expect(contract.check(observed('GET', one))).toBeUndefined();
    const refused = await request(server())
      .get('/audit')
      .set(...bearer('analyst'))
      .expect(403);
    expect(contract.check(observed('GET', refused))).toBeUndefined();
  });

  it('fails a response whose body drifted from its schema (a column of the wrong type)', async () => {
    const drifted = JSON.parse(JSON.stringify(document)) as OpenAPIObject;
    const clients = drifted.components!.schemas!.ClientsRecord as {
      properties: Record<string, object>;
    };
    clients.properties.client_id = { type: 'string' };
    const page = await request(server())
      .get('/datasets/clients/records')
      .set(...bearer('admin'))
      .expect(200);
    expect(new ResponseContract(drifted).check(observed('GET', page))).toMatch(
      /GET \/datasets\/clients\/records → 200: the body does not match its OpenAPI schema: .*client_id must be string/,
    );
  });

  it('fails a status the route does not describe, and a content type it does not produce', async () => {
    const page = await request(server())
      .get('/datasets/clients/records')
      .set(...bearer('admin'))
      .expect(200);
    expect(contract.check({ ...observed('GET', page), status: 418 })).toMatch(
      /→ 418: status not described for \/datasets\/\{dataset\}\/records/,
    );
    expect(contract.check({ ...observed('GET', page), contentType: 'text/html' })).toMatch(
      /content type text\/html not described/,
    );
  });

  it('checks text/csv and text/plain bodies for their content type only', async () => {
    const metrics = await request(server()).get('/metrics').expect(200);
    expect(contract.check(observed('GET', metrics))).toBeUndefined();
    expect(
      contract.check({ ...observed('GET', metrics), contentType: 'application/json' }),
    ).toMatch(/content type application\/json not described \(text\/plain\)/);
  });

  it('fails the request itself, in the test that made it, when its body drifted', async () => {
    // A stand-in server answering what a drifted service would: a client_id as a string.
    const drifted = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(
        JSON.stringify({ dataset: 'clients', items: [{ client_id: '1' }], nextCursor: null }),
      );
    });
    await expect(request(drifted).get('/datasets/clients/records').expect(200)).rejects.toThrow(
      /OpenAPI: GET \/datasets\/clients\/records → 200: the body does not match .*client_id must be integer/,
    );
    await expect(request(drifted).get('/undescribed').expect(200)).rejects.toThrow(
      'OpenAPI: GET /undescribed → 200: no operation describes this route',
    );
  });

  it('accepts Nest’s 404 for an unknown route only with the service’s error body', async () => {
    const res = await request(server()).get('/no-such-route').expect(404);
    expect(contract.check(observed('GET', res))).toBeUndefined();
    expect(contract.check({ ...observed('GET', res), body: { oops: true } })).toMatch(
      /must have required property 'statusCode'.*\(undescribed route\)/,
    );
  });
});
