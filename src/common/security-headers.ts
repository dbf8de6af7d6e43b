/**
 * Security headers (helmet) and caching rules for every response.
 *
 * The API answers JSON only, so its Content-Security-Policy allows nothing at all; Swagger UI at
 * /docs gets the narrowest policy it renders with (its scripts and the spec from this origin,
 * inline <style> blocks and data: icons), checked in a headless browser (see docs/security.md). Every
 * response is `Cache-Control: no-store`: record pages, audit entries and import reports carry
 * personal data, and no shared or browser cache should keep a copy of any of them.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { HelmetOptions } from 'helmet';

export const DOCS_PATH = '/docs';

const common: HelmetOptions = {
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  // Also the default; listed because the API must never let a browser guess a type.
  xContentTypeOptions: true,
};

const API_CSP = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
};

const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    // Swagger UI's page carries <style> blocks; styles cannot run code.
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

export function securityHeaders(): RequestHandler {
  const api = helmet({ ...common, contentSecurityPolicy: API_CSP });
  const docs = helmet({ ...common, contentSecurityPolicy: DOCS_CSP });
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    const forDocs = req.path === DOCS_PATH || req.path.startsWith(`${DOCS_PATH}/`);
    return (forDocs ? docs : api)(req, res, next);
  };
}
