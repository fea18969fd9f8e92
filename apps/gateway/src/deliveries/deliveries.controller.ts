import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { exportsV1, notifications } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { exportJobCall } from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { DeliveryListDocs } from './deliveries.docs';

const EXPORT_APIS = [
  exportsV1.ExportApi.EXPORT_API_ON_DEMAND,
  exportsV1.ExportApi.EXPORT_API_BULK,
  exportsV1.ExportApi.EXPORT_API_COVEO,
];

/** The delivery log: every email and webhook delivery of an export job or of a webhook endpoint, with its attempts. */
@ApiTags('Delivery log')
@ApiKeyAuthDocs({ privileges: ['exports:read'] })
@ApiErrors(503)
@Controller('api/v1')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('exports:read')
export class DeliveriesController {
  constructor(private readonly clients: ServiceClients) {}

  @Get('exports/:jobId/deliveries')
  @ApiOperation({
    summary: "An export job's deliveries",
    description:
      'Every email and webhook delivery about the job (of any export API), with its attempts; empty for a job with none.',
  })
  @ApiParam({ name: 'jobId', description: 'The export job id.', example: '9f8e7d6c-5b4a-4321-8f0e-1d2c3b4a5f6e' })
  @ApiOkResponse({ type: DeliveryListDocs, description: 'The deliveries, with their attempts.' })
  @ApiErrors(404)
  async forJob(@CurrentAuth() auth: ApiKeyAuth, @Param('jobId') jobId: string) {
    const listed = await this.clients.notifications.listDeliveries({ appId: auth.app.id, jobId, endpointId: '' });
    // The log is kept per app, so another app's job lists nothing: look the job up, to answer 404 as elsewhere.
    if (listed.deliveries.length === 0) await this.requireJob(auth, jobId);
    return { deliveries: listed.deliveries.map(publicDelivery) };
  }

  /** Resolves when the app holds the job under one of the export APIs; else throws export-job's 404. */
  private async requireJob(auth: ApiKeyAuth, jobId: string): Promise<void> {
    let notFound: unknown;
    for (const api of EXPORT_APIS) {
      try {
        await exportJobCall(auth.app, this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId, api }));
        return;
      } catch (error) {
        if (fromGrpcError(error).code !== 'export_job_not_found') throw error;
        notFound = error;
      }
    }
    throw notFound;
  }

  @Get('webhooks/:id/deliveries')
  @ApiOperation({
    summary: "A webhook endpoint's deliveries",
    description: 'Every delivery to the endpoint, with its attempts.',
  })
  @ApiParam({ name: 'id', description: 'The webhook endpoint id.', example: 'whk_3c2b1a0f9e8d4c7b6a5f4e3d2c1b0a9f' })
  @ApiOkResponse({ type: DeliveryListDocs, description: 'The deliveries, with their attempts.' })
  @ApiErrors(404)
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
