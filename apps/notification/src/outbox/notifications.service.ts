import { Injectable } from '@nestjs/common';
import { Clock, newId } from '@exportd/runtime';
import { createHash } from 'node:crypto';
import { ExportOutcome, renderExportEmail } from '../email/export-email';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-event-types';
import { DeliveryDoc, DeliveryRecord, DeliveryRepository } from './delivery.repository';
import { InvalidNotification } from './notifications.errors';

export interface ExportFinished extends ExportOutcome {
  appId: string;
  emails: string[];
  /** The job as its public API shows it (JSON), the webhook's `data`; empty means a summary is built. */
  jobJson: string;
  /** The schedule whose run this is (absent or '' for none): that schedule's endpoints get it besides the app's. */
  scheduleId?: string;
}

// Deliberately plain: export-job rejects bad addresses at creation; this only keeps garbage out of SMTP.
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

/** Accepts export outcomes into the outbox (durably, before answering) and reads the delivery log. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * One delivery per email address (for the events that are emailed) and per subscribed, enabled endpoint of
   * the app or of the event's schedule. Idempotent per (appId, jobId, eventType): the first call's plan is
   * stored and a repeat re-writes only what a crash may have left out, answering the same count.
   */
  async notifyExportFinished(event: ExportFinished): Promise<number> {
    if (!event.appId || !event.jobId) throw new InvalidNotification('appId and jobId are required');
    if (!isWebhookEventType(event.eventType))
      throw new InvalidNotification(`eventType must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    const key = createHash('sha256').update(`${event.appId}\n${event.jobId}\n${event.eventType}`).digest('hex').slice(0, 32);
    const planned = await this.plan(event, `ntf_${key}`);
    const stored = await this.deliveries.recordNotification(planned);
    await this.deliveries.ensureDeliveries(event.appId, stored.deliveries);
    return stored.deliveries.length;
  }

  listForJob(appId: string, jobId: string): Promise<DeliveryRecord[]> {
    return this.deliveries.listForJob(appId, jobId);
  }

  listForEndpoint(appId: string, endpointId: string): Promise<DeliveryRecord[]> {
    return this.deliveries.listForEndpoint(appId, endpointId);
  }

  private async plan(event: ExportFinished, notificationId: string) {
    const now = this.clock.now();
    const base = {
      appId: event.appId,
      jobId: event.jobId,
      eventType: event.eventType,
      status: 'pending' as const,
      attemptCount: 0,
      lastStatusCode: null,
      lastError: null,
      nextAttemptAt: now,
      leaseToken: null,
      deliveredAt: null,
      createdAt: now,
    };
    const planned: DeliveryDoc[] = [];
    const email = renderExportEmail(event);
    const addresses = email ? [...new Set(event.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))] : [];
    for (const address of addresses) {
      const valid = EMAIL.test(address);
      planned.push({
        ...base,
        _id: newId('msg'),
        channel: 'email',
        recipient: address,
        endpointId: null,
        email,
        webhookBody: null,
        ...(valid ? {} : { status: 'failed' as const, nextAttemptAt: null, lastError: 'not a valid email address' }),
      });
    }
    const body = JSON.stringify({ type: event.eventType, timestamp: now.toISOString(), data: webhookData(event) });
    for (const endpoint of await this.endpoints.subscribed(event.appId, event.eventType, event.scheduleId || null)) {
      planned.push({
        ...base,
        _id: newId('msg'),
        channel: 'webhook',
        recipient: endpoint.url,
        endpointId: endpoint._id,
        email: null,
        webhookBody: body,
      });
    }
    return {
      _id: notificationId,
      appId: event.appId,
      jobId: event.jobId,
      eventType: event.eventType,
      deliveries: planned,
      createdAt: now,
    };
  }
}

function webhookData(event: ExportFinished): unknown {
  if (event.jobJson) {
    try {
      const parsed = JSON.parse(event.jobJson) as unknown;
      if (parsed && typeof parsed === 'object') return parsed;
    } catch {
      // fall through to the summary
    }
  }
  return {
    id: event.jobId,
    status: event.eventType === 'export.completed' ? 'completed' : 'failed',
    files: event.files,
    linksExpireAt: event.linksExpireAt?.toISOString() ?? null,
    error: event.error || null,
  };
}
