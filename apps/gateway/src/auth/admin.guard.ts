import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { GatewayEnv } from '../config/env';
import { errorBody } from '../errors/http-error.filter';

/** The admin API: `Authorization: Bearer <ADMIN_TOKEN>`. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject('GATEWAY_ENV') private readonly env: GatewayEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '';
    const expected = Buffer.from(this.env.ADMIN_TOKEN);
    const given = Buffer.from(token);
    if (expected.length > 0 && given.length === expected.length && timingSafeEqual(given, expected)) return true;
    throw new UnauthorizedException(
      errorBody(401, 'unauthenticated', 'a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)'),
    );
  }
}
