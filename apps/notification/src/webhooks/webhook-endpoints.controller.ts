import { Controller } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { WebhookEndpointRecord } from './webhook-endpoint.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/** notifications.v1.WebhookEndpointsService: proto <-> domain, nothing else. */
@Controller()
@notifications.WebhookEndpointsServiceControllerMethods()
export class WebhookEndpointsController implements notifications.WebhookEndpointsServiceController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  async createWebhookEndpoint(
    request: notifications.CreateWebhookEndpointRequest,
  ): Promise<notifications.WebhookEndpointWithSecret> {
    const { endpoint, secret } = await this.endpoints.create(
      request.appId,
      request.url,
      request.eventTypes,
      request.scheduleId ?? '',
    );
    return { endpoint: toProto(endpoint), secret };
  }

  async getWebhookEndpoint(request: notifications.GetWebhookEndpointRequest): Promise<notifications.WebhookEndpointResponse> {
    return { endpoint: toProto(await this.endpoints.get(request.appId, request.id, request.scheduleId ?? '')) };
  }

  async listWebhookEndpoints(
    request: notifications.ListWebhookEndpointsRequest,
  ): Promise<notifications.ListWebhookEndpointsResponse> {
    return { endpoints: (await this.endpoints.list(request.appId, request.scheduleId ?? '')).map(toProto) };
  }

  async updateWebhookEndpoint(
    request: notifications.UpdateWebhookEndpointRequest,
  ): Promise<notifications.WebhookEndpointResponse> {
    const endpoint = await this.endpoints.update(
      request.appId,
      request.id,
      {
        url: request.url ?? undefined,
        eventTypes: request.eventTypes.length > 0 ? request.eventTypes : undefined,
        disabled: request.disabled ?? undefined,
      },
      request.scheduleId ?? '',
    );
    return { endpoint: toProto(endpoint) };
  }

  async deleteWebhookEndpoint(
    request: notifications.DeleteWebhookEndpointRequest,
  ): Promise<notifications.DeleteWebhookEndpointResponse> {
    await this.endpoints.delete(request.appId, request.id, request.scheduleId ?? '');
    return {};
  }

  async rotateWebhookSecret(request: notifications.RotateWebhookSecretRequest): Promise<notifications.WebhookEndpointWithSecret> {
    const { endpoint, secret } = await this.endpoints.rotateSecret(request.appId, request.id, request.scheduleId ?? '');
    return { endpoint: toProto(endpoint), secret };
  }
}

function toProto(endpoint: WebhookEndpointRecord): notifications.WebhookEndpoint {
  return {
    id: endpoint._id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    scheduleId: endpoint.scheduleId ?? '',
    disabled: endpoint.disabled,
    disabledReason: endpoint.disabledReason ?? '',
    createdAt: endpoint.createdAt,
    disabledAt: endpoint.disabledAt ?? undefined,
    secretRotatedAt: endpoint.secretRotatedAt ?? undefined,
  };
}
