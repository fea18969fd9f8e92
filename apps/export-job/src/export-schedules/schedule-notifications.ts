import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { asDomainError, createGrpcClient, GrpcClient } from '@exportd/grpc';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';

/** A delivery of a run's job, as notification reports it. */
export interface JobDelivery {
  channel: string;
  recipient: string;
  status: string;
  error: string;
}

/**
 * What scheduled exports need of notification (which owns webhook endpoints and deliveries): the schedule's
 * own webhook endpoint (its secret is notification's), and the deliveries of a run's job.
 */
export abstract class ScheduleNotifications {
  /** Creates the schedule's endpoint; answers its id and its `whsec_...` secret (shown once). */
  abstract createEndpoint(appId: string, scheduleId: string, url: string): Promise<{ id: string; secret: string }>;
  abstract deleteEndpoint(appId: string, scheduleId: string, endpointId: string): Promise<void>;
  abstract deliveries(appId: string, jobId: string): Promise<JobDelivery[]>;
}

@Injectable()
export class GrpcScheduleNotifications extends ScheduleNotifications implements OnApplicationShutdown {
  private readonly endpoints: GrpcClient<typeof notifications.WebhookEndpointsServiceService>;
  private readonly notifications: GrpcClient<typeof notifications.NotificationsServiceService>;

  constructor(@Inject(EXPORT_JOB_ENV) env: ExportJobEnv) {
    super();
    const at = { address: env.NOTIFICATION_GRPC_ADDR, internalToken: env.INTERNAL_TOKEN, timeoutMs: 10_000 };
    this.endpoints = createGrpcClient(notifications.WebhookEndpointsServiceService, at);
    this.notifications = createGrpcClient(notifications.NotificationsServiceService, at);
  }

  async createEndpoint(appId: string, scheduleId: string, url: string): Promise<{ id: string; secret: string }> {
    try {
      const created = await this.endpoints.createWebhookEndpoint({ appId, url, eventTypes: [], scheduleId });
      return { id: created.endpoint?.id ?? '', secret: created.secret };
    } catch (error) {
      throw asDomainError(error); // e.g. a URL notification refuses: its 400 names what is wrong
    }
  }

  async deleteEndpoint(appId: string, scheduleId: string, endpointId: string): Promise<void> {
    try {
      await this.endpoints.deleteWebhookEndpoint({ appId, id: endpointId, scheduleId });
    } catch (error) {
      const domain = asDomainError(error);
      if (domain.kind !== 'not_found') throw domain;
    }
  }

  async deliveries(appId: string, jobId: string): Promise<JobDelivery[]> {
    const { deliveries } = await this.notifications.listDeliveries({ appId, jobId, endpointId: '' });
    return deliveries.map((d) => ({ channel: d.channel, recipient: d.recipient, status: d.status, error: d.lastError }));
  }

  onApplicationShutdown(): void {
    this.endpoints.close();
    this.notifications.close();
  }
}
