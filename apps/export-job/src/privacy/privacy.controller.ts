import { Controller } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import { PrivacyRequestsService, PrivacyRequestStatus, PrivacyRequestView } from './privacy-requests.service';

const STATUS: Record<PrivacyRequestStatus, privacy.PrivacyRequestStatus> = {
  pending: privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_PENDING,
  in_progress: privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_IN_PROGRESS,
  completed: privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_COMPLETED,
  failed: privacy.PrivacyRequestStatus.PRIVACY_REQUEST_STATUS_FAILED,
};

/** privacy.v1.PrivacyRequestsService: proto <-> domain, nothing else. */
@Controller()
@privacy.PrivacyRequestsServiceControllerMethods()
export class PrivacyController implements privacy.PrivacyRequestsServiceController {
  constructor(private readonly requests: PrivacyRequestsService) {}

  async createUserExport(request: privacy.CreateUserExportRequest): Promise<privacy.PrivacyRequestResponse> {
    const view = await this.requests.create('export', { ...request, suppress: false });
    return { request: toProto(view) };
  }

  async createErasure(request: privacy.CreateErasureRequest): Promise<privacy.PrivacyRequestResponse> {
    return { request: toProto(await this.requests.create('erasure', request)) };
  }

  async getPrivacyRequest(request: privacy.GetPrivacyRequestRequest): Promise<privacy.PrivacyRequestResponse> {
    return { request: toProto(await this.requests.get(request.appId, request.id)) };
  }

  async listPrivacyRequests(request: privacy.ListPrivacyRequestsRequest): Promise<privacy.ListPrivacyRequestsResponse> {
    return { requests: (await this.requests.list(request.appId)).map(toProto) };
  }
}

function toProto(view: PrivacyRequestView): privacy.PrivacyRequest {
  const { request } = view;
  return {
    id: request._id,
    type:
      request.type === 'export'
        ? privacy.PrivacyRequestType.PRIVACY_REQUEST_TYPE_EXPORT
        : privacy.PrivacyRequestType.PRIVACY_REQUEST_TYPE_ERASURE,
    userId: view.userId,
    userHash: request.userHash,
    suppress: request.suppress,
    requestedBy: request.requestedBy,
    requestedAt: request.requestedAt,
    finishedAt: view.finishedAt ?? undefined,
    status: STATUS[view.status],
    error: view.error,
    services: view.steps.map((step) => ({ service: step.service, counts: step.counts, confirmedAt: step.at })),
    downloadUrl: view.downloadUrl,
    urlExpiresAt: view.urlExpiresAt ?? undefined,
  };
}
