import { Controller } from '@nestjs/common';
import { tenancy } from '@exportd/contracts';
import { AppRecord } from './app.repository';
import { AppsService } from './apps.service';

/** tenancy.v1.AppsService: proto <-> domain, nothing else. */
@Controller()
@tenancy.AppsServiceControllerMethods()
export class AppsController implements tenancy.AppsServiceController {
  constructor(private readonly apps: AppsService) {}

  async createApp(request: tenancy.CreateAppRequest): Promise<tenancy.CreateAppResponse> {
    const { app, apiKey } = await this.apps.createApp(request.name, request.plan);
    return { app: toProto(app), apiKey: apiKey.key, apiKeyId: apiKey.id };
  }

  async getApp(request: tenancy.GetAppRequest): Promise<tenancy.GetAppResponse> {
    return { app: toProto(await this.apps.getApp(request.appId)) };
  }

  async updateApp(request: tenancy.UpdateAppRequest): Promise<tenancy.UpdateAppResponse> {
    return { app: toProto(await this.apps.updateApp(request.appId, { plan: request.plan, name: request.name })) };
  }

  async createApiKey(request: tenancy.CreateApiKeyRequest): Promise<tenancy.CreateApiKeyResponse> {
    return this.apps.createApiKey(request.appId, request.privileges);
  }

  async revokeApiKey(request: tenancy.RevokeApiKeyRequest): Promise<tenancy.RevokeApiKeyResponse> {
    await this.apps.revokeApiKey(request.appId, request.keyId);
    return {};
  }

  async authenticateApiKey(request: tenancy.AuthenticateApiKeyRequest): Promise<tenancy.AuthenticateApiKeyResponse> {
    const { app, keyId, privileges } = await this.apps.authenticateApiKey(request.key);
    return { app: toProto(app), keyId, privileges };
  }

  async authenticateTrackingKey(
    request: tenancy.AuthenticateTrackingKeyRequest,
  ): Promise<tenancy.AuthenticateTrackingKeyResponse> {
    return { app: toProto(await this.apps.authenticateTrackingKey(request.trackingKey)) };
  }
}

function toProto(app: AppRecord): tenancy.App {
  return { id: app._id, name: app.name, plan: app.plan, trackingKey: app.trackingKey, createdAt: app.createdAt };
}
