import request from 'supertest';
import { DATASET_NAMES } from '../../src/catalog/dataset.types';
import { HttpHarness, startHttpHarness } from '../support/http-app';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { enum?: string[] };
}
interface Operation {
  parameters?: Parameter[];
  responses: Record<string, unknown>;
}

describe('OpenAPI of the upload and run routes', () => {
  let h: HttpHarness;
  let paths: Record<string, Record<string, Operation>>;
  beforeAll(async () => {
    h = await startHttpHarness();
    paths = (await request(h.app.getHttpServer()).get('/docs-json').expect(200)).body.paths;
  });
  afterAll(() => h.close());

  it('gives uploads and runs paths that do not collide', () => {
    expect(paths['/datasets/{dataset}/imports']).toHaveProperty('post');
    expect(paths['/imports/{id}']).toHaveProperty('get');
    expect(paths).not.toHaveProperty('/imports/{dataset}');
    // Two templated paths of the same shape are identical to OpenAPI, whatever their names.
    const shapes = Object.keys(paths).map((p) => p.replace(/\{[^}]+\}/g, '{}'));
    expect(new Set(shapes).size).toBe(shapes.length);
  });

  it('documents the dataset by its catalog names, mode, encoding and allowReinstate, each once', () => {
    const parameters = paths['/datasets/{dataset}/imports'].post.parameters ?? [];
    expect(parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:dataset',
      'query:allowReinstate',
      'query:encoding',
      'query:mode',
    ]);
    const dataset = parameters.find((p) => p.name === 'dataset');
    expect(dataset?.schema?.enum).toEqual([...DATASET_NAMES]);
  });

  it('documents every status the upload can answer', () => {
    const statuses = Object.keys(paths['/datasets/{dataset}/imports'].post.responses).sort();
    expect(statuses).toEqual([
      '201',
      '400',
      '401',
      '403',
      '408',
      '413',
      '415',
      '429',
      '500',
      '503',
      '507',
    ]);
  });
});
