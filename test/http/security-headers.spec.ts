/**
 * Every response carries the security headers, no X-Powered-By, and Cache-Control: no-store;
 * the API's CSP allows nothing, the docs' CSP only what Swagger UI needs from this origin.
 */
import request from 'supertest';
import { HttpHarness, startHttpHarness } from '../support/http-app';
import { bearer } from '../support/role-tokens';
import { loadRetailFixture } from '../support/retail-fixture';

const cspOf = (res: request.Response): Map<string, string> =>
  new Map(
    String(res.headers['content-security-policy'])
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(' ')[0], d.slice(d.indexOf(' ') + 1)] as [string, string]),
  );

describe('security headers', () => {
  let h: HttpHarness;
  const server = () => h.app.getHttpServer();

  beforeAll(async () => {
    h = await startHttpHarness();
    await h.db.asOwner((c) => loadRetailFixture(c, 2));
  });
  afterAll(() => h.close());

  it.each([
    ['a record page with clear personal data', '/datasets/clients/records', 200],
    ['an audit page', '/audit', 200],
    ['an import history page', '/imports', 200],
    ['a refused request', '/datasets/clients/records?limit=0', 400],
    ['an unknown route', '/nowhere', 404],
    ['the OpenAPI document', '/docs-json', 200],
  ])('%s: nosniff, frame denial, no referrer, CSP none, no-store', async (_name, path, status) => {
    const res = await request(server())
      .get(path)
      .set(...bearer('admin'))
      .expect(status);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
    const csp = cspOf(res);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
  });

  it('answers a 401 with the same headers', async () => {
    const res = await request(server()).get('/datasets/clients/records').expect(401);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('gives Swagger UI a CSP that allows its own scripts, styles and icons, and nothing else', async () => {
    const page = await request(server()).get('/docs/').expect(200);
    expect(page.text).toContain('swagger-ui-init.js');
    const csp = cspOf(page);
    expect(Object.fromEntries(csp)).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'script-src-attr': "'none'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(String(page.headers['content-security-policy'])).not.toMatch(/unsafe-eval|\*/);
    // The scripts the page loads are served from this origin under the same policy.
    const init = await request(server()).get('/docs/swagger-ui-init.js').expect(200);
    expect(cspOf(init).get('script-src')).toBe("'self'");
    expect(page.headers['x-powered-by']).toBeUndefined();
  });
});
