import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ErasureQueryDto } from './privacy.dto';

const TYPE: Partial<Record<privacy.PrivacyRequestType, string>> = {
  [privacy.PrivacyRequestType.PRIVACY_REQUEST_TYPE_EXPORT]: 'export',
  [privacy.PrivacyRequestType.PRIVACY_REQUEST_TYPE_ERASURE]: 'erasure',
};
const STATUS: Partial<Record<privacy.PrivacyRequestStatus, string>> = {
  [privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_PENDING]: 'pending',
  [privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_IN_PROGRESS]: 'in_progress',
  [privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_COMPLETED]: 'completed',
  [privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_FAILED]: 'failed',
};

/**
 * Subject requests (seed 003's "User data export" and "Data deletion"), `privacy:write`: a user's data export
 * and the erasure of a user, carried out in the background; the requests are the audit log.
 */
@Controller('api/v1/privacy')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('privacy:write')
export class PrivacyController {
  constructor(private readonly clients: ServiceClients) {}

  @Post('users/:userId/export')
  @HttpCode(202)
  async export(@CurrentAuth() auth: ApiKeyAuth, @Param('userId') userId: string) {
    const { request } = await this.clients.privacyRequests.createUserExport({
      appId: auth.app.id,
      userId,
      requestedBy: auth.keyId,
    });
    return requestBody(request);
  }

  @Delete('users/:userId')
  @HttpCode(202)
  async erase(@CurrentAuth() auth: ApiKeyAuth, @Param('userId') userId: string, @Query() query: ErasureQueryDto) {
    const { request } = await this.clients.privacyRequests.createErasure({
      appId: auth.app.id,
      userId,
      suppress: query.suppress === 'true',
      requestedBy: auth.keyId,
    });
    return requestBody(request);
  }

  @Get('requests')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { requests } = await this.clients.privacyRequests.listPrivacyRequests({ appId: auth.app.id });
    return { data: requests.map(requestBody) };
  }

  @Get('requests/:id')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const { request } = await this.clients.privacyRequests.getPrivacyRequest({ appId: auth.app.id, id });
    return requestBody(request);
  }
}

/**
 * A request as the API shows it. `counts` adds up what every service reported (records removed by an
 * erasure, records exported by an export); `services` says who confirmed what, and when.
 */
function requestBody(request: privacy.PrivacyRequest | undefined) {
  if (!request) throw new Error('export-job answered no privacy request');
  const counts: Record<string, number> = {};
  for (const service of request.services)
    for (const { name, count } of service.counts) counts[name] = (counts[name] ?? 0) + count;
  return {
    id: request.id,
    type: TYPE[request.type] ?? 'unknown',
    userId: request.userId || null,
    userHash: request.userHash,
    suppress: request.suppress,
    status: STATUS[request.status] ?? 'unknown',
    requestedBy: request.requestedBy,
    requestedAt: request.requestedAt?.toISOString() ?? null,
    finishedAt: request.finishedAt?.toISOString() ?? null,
    error: request.error || null,
    counts,
    services: request.services.map((service) => ({
      service: service.service,
      counts: Object.fromEntries(service.counts.map(({ name, count }) => [name, count])),
      confirmedAt: service.confirmedAt?.toISOString() ?? null,
    })),
    downloadUrl: request.downloadUrl || null,
    expiresAt: request.urlExpiresAt?.toISOString() ?? null,
  };
}
