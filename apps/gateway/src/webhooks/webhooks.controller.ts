import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { notifications } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { WebhookEndpointDocs, WebhookEndpointListDocs, WebhookEndpointWithSecretDocs } from './webhooks.docs';
import { CreateWebhookDto, UpdateWebhookDto } from './webhooks.dto';

const WEBHOOK_ID = { name: 'id', description: 'The webhook endpoint id.', example: 'whk_3c2b1a0f9e8d4c7b6a5f4e3d2c1b0a9f' };
const URL_REFUSED =
  '`invalid_request` (a field named), or `webhook_url_not_allowed`: the URL is not https or resolves to a refused address.';

/**
 * Webhook endpoints of the caller's app. The secret is answered on creation and rotation only. No request
 * names a schedule, so the endpoints export-job keeps for scheduled exports are neither listed nor found (404).
 */
@ApiTags('Webhooks')
@ApiKeyAuthDocs({ privileges: ['settings:write'] })
@ApiErrors(503)
@Controller('api/v1/webhooks')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('settings:write')
export class WebhooksController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @ApiOperation({
    summary: 'Register a webhook endpoint',
    description:
      'Each request to it is signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, ' +
      '`webhook-signature`); 2xx is success, other answers and timeouts (15 s) are retried, 410 disables the endpoint.',
  })
  @ApiCreatedResponse({
    type: WebhookEndpointWithSecretDocs,
    description: 'The endpoint, with its signing secret shown this once.',
  })
  @ApiErrors({ status: 400, description: URL_REFUSED })
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateWebhookDto) {
    const created = await this.clients.webhookEndpoints.createWebhookEndpoint({
      appId: auth.app.id,
      url: body.url,
      eventTypes: body.eventTypes,
    });
    return { ...publicEndpoint(created.endpoint), secret: created.secret };
  }

  @Get()
  @ApiOperation({ summary: "List the app's webhook endpoints" })
  @ApiOkResponse({ type: WebhookEndpointListDocs, description: "The app's webhook endpoints (without secrets)." })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const listed = await this.clients.webhookEndpoints.listWebhookEndpoints({ appId: auth.app.id });
    return { webhooks: listed.endpoints.map(publicEndpoint) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a webhook endpoint' })
  @ApiParam(WEBHOOK_ID)
  @ApiOkResponse({ type: WebhookEndpointDocs, description: 'The endpoint (without its secret).' })
  @ApiErrors(404)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicEndpoint((await this.clients.webhookEndpoints.getWebhookEndpoint({ appId: auth.app.id, id })).endpoint);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description: 'Fields left out keep their value; `disabled: false` re-enables the endpoint.',
  })
  @ApiParam(WEBHOOK_ID)
  @ApiOkResponse({ type: WebhookEndpointDocs, description: 'The endpoint as changed.' })
  @ApiErrors({ status: 400, description: URL_REFUSED })
  @ApiErrors(404)
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: UpdateWebhookDto) {
    const updated = await this.clients.webhookEndpoints.updateWebhookEndpoint({
      appId: auth.app.id,
      id,
      url: body.url,
      eventTypes: body.eventTypes ?? [],
      disabled: body.disabled,
    });
    return publicEndpoint(updated.endpoint);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint' })
  @ApiParam(WEBHOOK_ID)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  async remove(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await this.clients.webhookEndpoints.deleteWebhookEndpoint({ appId: auth.app.id, id });
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing secret',
    description: 'For 24 h after a rotation each request carries two signatures, by the old and the new secret.',
  })
  @ApiParam(WEBHOOK_ID)
  @ApiOkResponse({
    type: WebhookEndpointWithSecretDocs,
    description: 'The endpoint, with its new signing secret shown this once.',
  })
  @ApiErrors(404)
  async rotateSecret(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const rotated = await this.clients.webhookEndpoints.rotateWebhookSecret({ appId: auth.app.id, id });
    return { ...publicEndpoint(rotated.endpoint), secret: rotated.secret };
  }
}

export function publicEndpoint(endpoint: notifications.WebhookEndpoint | undefined) {
  if (!endpoint) throw new Error('service answered without an endpoint');
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    disabled: endpoint.disabled,
    disabledReason: endpoint.disabledReason || null,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    secretRotatedAt: endpoint.secretRotatedAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt?.toISOString() ?? null,
  };
}
