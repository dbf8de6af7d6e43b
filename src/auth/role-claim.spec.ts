import { roleAt } from './role-claim';

describe('role claim path', () => {
  it('reads a top-level string claim', () => {
    expect(roleAt({ role: 'analyst' }, ['role'])).toBe('analyst');
  });

  it('follows nested objects, including namespaced claim names', () => {
    expect(roleAt({ app_metadata: { role: 'writer' } }, ['app_metadata', 'role'])).toBe('writer');
    expect(
      roleAt({ 'https://smartretail.example/role': 'admin' }, ['https://smartretail.example/role']),
    ).toBe('admin');
  });

  it('takes the first application role of an array, skipping the identity provider roles', () => {
    const claims = {
      realm_access: { roles: ['offline_access', 'writer', 'default-roles-retail', 'admin'] },
    };
    expect(roleAt(claims, ['realm_access', 'roles'])).toBe('writer');
  });

  it.each([
    ['a missing claim', {}, ['role']],
    ['a role that is not an application role', { role: 'postgres' }, ['role']],
    ['an array without an application role', { roles: ['offline_access'] }, ['roles']],
    ['a path through a string', { role: 'admin' }, ['role', 'name']],
    ['a path through an array', { groups: [{ role: 'admin' }] }, ['groups', '0', 'role']],
    ['a path into the prototype', { role: 'admin' }, ['constructor', 'name']],
    ['a nested array', { roles: [['admin']] }, ['roles']],
  ])('finds no role in %s', (_label, claims, path) => {
    expect(roleAt(claims as Record<string, unknown>, path)).toBeUndefined();
  });
});
