/**
 * Jest setup (setupFilesAfterEnv): every supertest request of every test checks its response
 * against the OpenAPI document of the service (ResponseContract), after the test's own
 * expectations. A mismatch fails the request's promise, so the test that made it fails, at that
 * line, naming the route, the status and what does not match. No test can opt out or forget it.
 *
 * The document is the one /docs-json serves, built from the code without a database (once per
 * test file, on its first response).
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'supertest';
import Test from 'supertest/lib/test';
import { buildOfflineOpenApiDocument } from '../../src/common/openapi-offline';
import { ResponseContract } from './openapi-contract';

type Callback = (error: Error | null, res?: Response) => void;
type Assert = (this: Test, error: Error | null, res: Response | undefined, fn?: Callback) => void;

let contract: Promise<ResponseContract> | undefined;
export const responseContract = (): Promise<ResponseContract> =>
  (contract ??= buildOfflineOpenApiDocument().then(
    (document: OpenAPIObject) => new ResponseContract(document),
  ));

const OUTSIDE_THE_API = Symbol('outside the API');

/**
 * Marks a request to a server that is not the API (the METRICS_PORT listener): its answers are
 * not in the OpenAPI document, so they are not checked against it. Explicit, at the request.
 */
export function outsideTheApi<T extends Test>(test: T): T {
  (test as unknown as Record<symbol, boolean>)[OUTSIDE_THE_API] = true;
  return test;
}

const prototype = Test.prototype as unknown as { assert: Assert; method: string; url: string };
const assertExpectations = prototype.assert;

prototype.assert = function (this: Test, error, res, fn) {
  const request = this as unknown as { method: string; url: string };
  assertExpectations.call(this, error, res, (failure, response) => {
    if (failure || !response || !fn) return fn?.(failure, response);
    if ((this as unknown as Record<symbol, boolean>)[OUTSIDE_THE_API]) return fn(null, response);
    responseContract()
      .then((c) =>
        c.check({
          method: request.method,
          url: request.url,
          status: response.status,
          contentType: response.headers['content-type'],
          body: response.body as unknown,
          text: response.text,
        }),
      )
      .then(
        (problem) => fn(problem ? new Error(`OpenAPI: ${problem}`) : null, response),
        (broken: unknown) => fn(broken as Error, response),
      );
  });
};
