/** Every handler of every controller an application registers, with its access metadata. */
import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PUBLIC_KEY, ROLES_KEY } from '../../src/auth/access.decorators';

export interface DeclaredRoute {
  route: string;
  roles?: string[];
  isPublic?: boolean;
}

export function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = app.get(Reflector);
  return discovery.getControllers().flatMap(({ instance, metatype }) => {
    if (!instance || !metatype) return [];
    const prototype = Object.getPrototypeOf(instance) as object;
    return scanner.getAllMethodNames(prototype).flatMap((name) => {
      const handler = (prototype as Record<string, unknown>)[name] as () => unknown;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const path = `${Reflect.getMetadata(PATH_METADATA, metatype) as string}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`;
      const targets = [handler, metatype];
      return [
        {
          route: `${method} /${path.replace(/\/+/g, '/').replace(/^\/|\/$/g, '')}`,
          roles: reflector.getAllAndOverride<string[]>(ROLES_KEY, targets),
          isPublic: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets),
        },
      ];
    });
  });
}
