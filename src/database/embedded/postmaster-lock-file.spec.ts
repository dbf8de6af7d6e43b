import { parsePostmasterLock } from './postmaster-lock-file';

describe('postmaster.pid', () => {
  it('gives the pid (line 1), the port (line 4) and the status (line 8) of PostgreSQL 18', () => {
    const file = '8260\n/data/pg\n1795773729\n39002\n\n127.0.0.1\n  2162792        30\nready   \n';
    expect(parsePostmasterLock(file)).toEqual({ pid: 8260, port: 39002, status: 'ready' });
  });

  it('has no status while the server is still starting', () => {
    expect(parsePostmasterLock('77\n/data/pg\n1795773729\n5432\n')).toEqual({
      pid: 77,
      port: 5432,
      status: '',
    });
  });

  it('is ignored when it names no pid', () => {
    expect(parsePostmasterLock('')).toBeUndefined();
    expect(parsePostmasterLock('not-a-pid\n')).toBeUndefined();
  });
});
