import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { CALLER_KEY, Caller } from './caller';

/** The verified caller of a `@Roles(...)` route (set by AccessGuard). */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  const caller = ctx.switchToHttp().getRequest<Record<string, unknown>>()[CALLER_KEY];
  if (!caller) throw new Error('CurrentCaller used on a route without @Roles');
  return caller as Caller;
});
