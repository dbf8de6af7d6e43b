/**
 * Finds the caller's application role in verified claims, at the path JWT_ROLE_CLAIM names
 * (PostgREST's jwt-role-claim-key): `role` for our own tokens, `app_metadata.role` or a namespaced
 * claim for Auth0, `realm_access.roles` or `resource_access.<client>.roles` for Keycloak.
 *
 * A string must be an application role. An array (identity providers list every role a user has,
 * most of them not ours: offline_access, default-roles-...) gives its first element that is an
 * application role, in the token's order; other entries are ignored. Anything else: no role.
 */
import { DatabaseRole, isDatabaseRole } from '../database/role-scoped-transactions';

export function roleAt(
  claims: Record<string, unknown>,
  path: readonly string[],
): DatabaseRole | undefined {
  let value: unknown = claims;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    // Own properties only: a path must never reach Object.prototype (`constructor`, `__proto__`).
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  if (Array.isArray(value)) return value.find(isDatabaseRole);
  return isDatabaseRole(value) ? value : undefined;
}
