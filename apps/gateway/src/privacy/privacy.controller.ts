import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { privacy } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { PrivacyRequestDocs, PrivacyRequestListDocs } from './privacy.docs';
import { ErasureQueryDto } from './privacy.dto';

const USER_ID = {
  name: 'userId',
  description: 'The tracked user id (at most 256 characters).',
  example: 'user-42',
  schema: { type: 'string' as const, minLength: 1, maxLength: 256 },
};

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
@ApiTags('Privacy')
@ApiKeyAuthDocs({ privileges: ['privacy:write'] })
@ApiErrors(503)
@Controller('api/v1/privacy')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('privacy:write')
export class PrivacyController {
  constructor(private readonly clients: ServiceClients) {}

  @Post('users/:userId/export')
  @HttpCode(202)
  @ApiOperation({
    summary: "Export a user's data",
    description:
      "Builds one JSON document of the user's profile, companies and raw calls in the background; " +
      'the completed request has its `downloadUrl`.',
  })
  @ApiParam(USER_ID)
  @ApiAcceptedResponse({ type: PrivacyRequestDocs, description: 'The request, carried out in the background.' })
  @ApiErrors(400)
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
  @ApiOperation({
    summary: 'Erase a user',
    description:
      "Removes the user's raw calls, profile, company links, exclusion entries and rows in the " +
      "platform's export files, in the background.",
  })
  @ApiParam(USER_ID)
  @ApiAcceptedResponse({ type: PrivacyRequestDocs, description: 'The request, carried out in the background.' })
  @ApiErrors(400)
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
  @ApiOperation({ summary: 'List the privacy requests (the audit log)' })
  @ApiOkResponse({ type: PrivacyRequestListDocs, description: 'The requests, newest first.' })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { requests } = await this.clients.privacyRequests.listPrivacyRequests({ appId: auth.app.id });
    return { data: requests.map(requestBody) };
  }

  @Get('requests/:id')
  @ApiOperation({ summary: 'Read a privacy request' })
  @ApiParam({ name: 'id', description: 'The request id.', example: '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d' })
  @ApiOkResponse({ type: PrivacyRequestDocs, description: 'The request.' })
  @ApiErrors(404)
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
