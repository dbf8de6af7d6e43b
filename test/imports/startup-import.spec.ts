import { join } from 'node:path';
import { tokenFor } from '../support/role-tokens';
import { freePort, ServiceProcess } from '../support/service-process';
import { TestDatabase } from '../support/test-database';

describe('the service at start-up (npm start)', () => {
  let db: TestDatabase;
  let service: ServiceProcess | undefined;
  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(async () => {
    await service?.stop();
    await db.drop();
  });

  it('imports the sample data/ directory once started, and GET /imports lists the runs', async () => {
    const port = await freePort();
    service = ServiceProcess.start({
      ...(db.environment({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'log',
        IMPORT_ON_START: 'true',
        IMPORT_DIR: join(__dirname, '../../data'),
      }) as Record<string, string>),
    });
    await service.waitFor('Directory import (start-up) done: 8 file(s)');
    const res = await fetch(`http://127.0.0.1:${port}/imports?limit=20`, {
      headers: { Authorization: `Bearer ${tokenFor('admin')}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      total: number;
      items: { dataset: string; status: string }[];
    };
    expect(page.total).toBe(8);
    expect(page.items.every((r) => r.status === 'succeeded')).toBe(true);
    expect(new Set(page.items.map((r) => r.dataset)).size).toBe(8);
  });
});
