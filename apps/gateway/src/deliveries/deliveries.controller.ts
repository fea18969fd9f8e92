import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';

/** The delivery log: every email and webhook delivery of an export job or of a webhook endpoint, with its attempts. */
@Controller('api/v1')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('exports:read')
export class DeliveriesController {
  constructor(private readonly clients: ServiceClients) {}

  @Get('exports/:jobId/deliveries')
  async forJob(@CurrentAuth() auth: ApiKeyAuth, @Param('jobId') jobId: string) {
    const listed = await this.clients.notifications.listDeliveries({ appId: auth.app.id, jobId, endpointId: '' });
    return { deliveries: listed.deliveries.map(publicDelivery) };
  }

  @Get('webhooks/:id/deliveries')
  async forEndpoint(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    // 404 for an endpoint of another app (or none), before listing.
    await this.clients.webhookEndpoints.getWebhookEndpoint({ appId: auth.app.id, id });
    const listed = await this.clients.notifications.listDeliveries({ appId: auth.app.id, jobId: '', endpointId: id });
    return { deliveries: listed.deliveries.map(publicDelivery) };
  }
}

function publicDelivery(d: notifications.Delivery) {
  return {
    id: d.id,
    channel: d.channel,
    recipient: d.recipient,
    jobId: d.jobId,
    endpointId: d.endpointId || null,
    eventType: d.eventType,
    status: d.status,
    attempts: {
      count: d.attempts,
      list: d.attemptLog.map((a) => ({
        at: a.at?.toISOString() ?? null,
        statusCode: a.statusCode || null,
        error: a.error || null,
        durationMs: a.durationMs,
      })),
    },
    lastStatusCode: d.lastStatusCode || null,
    lastError: d.lastError || null,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt?.toISOString() ?? null,
  };
}
