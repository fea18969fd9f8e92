import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tenancy } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import type { FastifyRequest } from 'fastify';
import { errorBody } from '../errors/http-error.filter';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiRateLimiter } from '../rate-limit/rate-limiters';

export type Privilege = 'exports:read' | 'exports:write' | 'settings:write' | 'privacy:write';

/** Who is calling: the app (tenant) of the API key and the key's privileges. */
export interface ApiKeyAuth {
  app: tenancy.App;
  keyId: string;
  privileges: string[];
}

const PRIVILEGES_KEY = 'exportd:privileges';

/** The privileges a route needs (all of them). */
export const RequirePrivileges = (...privileges: Privilege[]) => SetMetadata(PRIVILEGES_KEY, privileges);

/** The authenticated caller of an API-key route. */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext): ApiKeyAuth => {
  const auth = context.switchToHttp().getRequest<FastifyRequest & { auth?: ApiKeyAuth }>().auth;
  if (!auth) throw new Error('CurrentAuth used on a route without ApiKeyGuard');
  return auth;
});

/** Extracts the key from `Authorization: Bearer <key>` or `Authorization: Token <key>` (the Bulk Export API's form). */
export function apiKeyFrom(header: string | undefined): string | undefined {
  return /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/**
 * Authenticates an API key through ingestion (keys are stored hashed there) on every request, so a revoked
 * key stops working at once, applies the key's rate limit (API_RATE_LIMIT: 429 with Retry-After, after the
 * authentication so that unknown keys take no room in the limiter) and checks the route's privileges.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly clients: ServiceClients,
    private readonly reflector: Reflector,
    private readonly limits: ApiRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { auth?: ApiKeyAuth }>();
    const key = apiKeyFrom(request.headers.authorization);
    if (!key) {
      throw new UnauthorizedException(errorBody(401, 'unauthenticated', 'an API key is required (Authorization: Bearer <key>)'));
    }
    let auth: ApiKeyAuth;
    try {
      const answer = await this.clients.apps.authenticateApiKey({ key });
      if (!answer.app) throw new Error('no app in the answer');
      auth = { app: answer.app, keyId: answer.keyId, privileges: answer.privileges };
    } catch (error) {
      const remote = fromGrpcError(error);
      if (remote.httpStatus === 401)
        throw new UnauthorizedException(errorBody(401, 'invalid_api_key', 'unknown or revoked API key'));
      throw error;
    }
    this.limits.take(auth.keyId);
    const needed =
      this.reflector.getAllAndOverride<Privilege[] | undefined>(PRIVILEGES_KEY, [context.getHandler(), context.getClass()]) ?? [];
    const missing = needed.filter((p) => !auth.privileges.includes(p));
    if (missing.length > 0) {
      throw new ForbiddenException(
        errorBody(403, 'missing_privilege', `this API key lacks the ${missing.join(', ')} privilege`, { missing }),
      );
    }
    request.auth = auth;
    return true;
  }
}
