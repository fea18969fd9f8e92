import { Controller } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { WebhookEventType } from '../webhooks/webhook-event-types';
import { DeliveryRecord } from './delivery.repository';
import { InvalidNotification } from './notifications.errors';
import { NotificationsService } from './notifications.service';

/** notifications.v1.NotificationsService: proto <-> domain, nothing else. */
@Controller()
@notifications.NotificationsServiceControllerMethods()
export class NotificationsController implements notifications.NotificationsServiceController {
  constructor(private readonly notifications: NotificationsService) {}

  async notifyExportFinished(
    request: notifications.NotifyExportFinishedRequest,
  ): Promise<notifications.NotifyExportFinishedResponse> {
    const deliveries = await this.notifications.notifyExportFinished({
      appId: request.appId,
      jobId: request.jobId,
      eventType: request.eventType as WebhookEventType,
      emails: request.emails,
      files: request.files.map((f) => ({ filename: f.filename, url: f.url, bytes: Number(f.bytes), rows: Number(f.rows) })),
      linksExpireAt: request.linksExpireAt ?? null,
      error: request.error,
      jobJson: request.jobJson,
      scheduleId: request.scheduleId ?? '',
    });
    return { deliveries };
  }

  async listDeliveries(request: notifications.ListDeliveriesRequest): Promise<notifications.ListDeliveriesResponse> {
    let found: DeliveryRecord[];
    if (request.jobId) found = await this.notifications.listForJob(request.appId, request.jobId);
    else if (request.endpointId) found = await this.notifications.listForEndpoint(request.appId, request.endpointId);
    else throw new InvalidNotification('jobId or endpointId is required');
    return { deliveries: found.map(toProto) };
  }
}

function toProto(d: DeliveryRecord): notifications.Delivery {
  return {
    id: d._id,
    channel: d.channel,
    recipient: d.recipient,
    jobId: d.jobId,
    endpointId: d.endpointId ?? '',
    eventType: d.eventType,
    status: d.status,
    attempts: d.attemptCount,
    lastStatusCode: d.lastStatusCode ?? 0,
    lastError: d.lastError ?? '',
    nextAttemptAt: d.status === 'pending' ? (d.nextAttemptAt ?? undefined) : undefined,
    deliveredAt: d.deliveredAt ?? undefined,
    createdAt: d.createdAt,
    messageId: d._id,
    attemptLog: d.attempts.map((a) => ({
      at: a.at,
      statusCode: a.statusCode ?? 0,
      error: a.error ?? '',
      durationMs: a.durationMs,
    })),
  };
}
