import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CreateWebhookDto, UpdateWebhookDto } from './webhooks.dto';

/**
 * Webhook endpoints of the caller's app. The secret is answered on creation and rotation only. No request
 * names a schedule, so the endpoints export-job keeps for scheduled exports are neither listed nor found (404).
 */
@Controller('api/v1/webhooks')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('settings:write')
export class WebhooksController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateWebhookDto) {
    const created = await this.clients.webhookEndpoints.createWebhookEndpoint({
      appId: auth.app.id,
      url: body.url,
      eventTypes: body.eventTypes,
    });
    return { ...publicEndpoint(created.endpoint), secret: created.secret };
  }

  @Get()
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const listed = await this.clients.webhookEndpoints.listWebhookEndpoints({ appId: auth.app.id });
    return { webhooks: listed.endpoints.map(publicEndpoint) };
  }

  @Get(':id')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicEndpoint((await this.clients.webhookEndpoints.getWebhookEndpoint({ appId: auth.app.id, id })).endpoint);
  }

  @Patch(':id')
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
  async remove(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await this.clients.webhookEndpoints.deleteWebhookEndpoint({ appId: auth.app.id, id });
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
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
