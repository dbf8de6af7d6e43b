/**
 * The database roles a caller can act as: a role token names one, and every request runs its SQL
 * as that PostgreSQL role (src/database/role-scoped-transactions.ts), so the database's grants
 * and views enforce what the role may see. `grafana` and `app_user` are logins, not caller roles.
 */
export const DATABASE_ROLES = ['admin', 'writer', 'analyst'] as const;
export type DatabaseRole = (typeof DATABASE_ROLES)[number];
