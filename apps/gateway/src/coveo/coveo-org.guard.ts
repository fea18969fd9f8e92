import { CanActivate, ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuth } from '../auth/api-key.guard';
import { errorBody } from '../errors/http-error.filter';

/**
 * Coveo's `org` query parameter, accepted on every Coveo-compatible route: when given it must be the API key's
 * app id. Another value is a 404, like another app's resource, so no other app's existence leaks. Runs after
 * ApiKeyGuard, which sets the caller.
 */
@Injectable()
export class CoveoOrgGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { auth?: ApiKeyAuth }>();
    const org = (request.query as Record<string, unknown> | undefined)?.org;
    if (org === undefined) return true;
    if (!request.auth) throw new Error('CoveoOrgGuard must run after ApiKeyGuard');
    if (org === request.auth.app.id) return true;
    throw new NotFoundException(errorBody(404, 'org_not_found', `organization ${String(org)} not found`));
  }
}
