import { SetMetadata } from '@nestjs/common';
import type { DatabaseRole } from './database-role';

/**
 * Every route states its access explicitly: `@Roles(...)` or `@Public()`. The guard reads these,
 * and a test fails when a route has neither.
 */
export const ROLES_KEY = 'smartretail:roles';
export const PUBLIC_KEY = 'smartretail:public';

export const Roles = (...roles: DatabaseRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);
