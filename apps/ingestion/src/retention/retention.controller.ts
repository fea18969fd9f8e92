import { Controller } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import { AppRetention } from './retention.model';
import { RetentionService } from './retention.service';

/** privacy.v1.RetentionService: proto <-> domain, nothing else. */
@Controller()
@privacy.RetentionServiceControllerMethods()
export class RetentionController implements privacy.RetentionServiceController {
  constructor(private readonly service: RetentionService) {}

  async getRetention(request: privacy.GetRetentionRequest): Promise<privacy.RetentionResponse> {
    return toProto(await this.service.getRetention(request.appId));
  }

  async putRetention(request: privacy.PutRetentionRequest): Promise<privacy.RetentionResponse> {
    return toProto(await this.service.putRetention(request.appId, request.policy ?? undefined));
  }
}

function toProto(retention: AppRetention): privacy.RetentionResponse {
  const { rawEventsDays, aggregatesDays, exportFilesDays } = retention.policy;
  return {
    policy: { rawEventsDays, aggregatesDays, exportFilesDays },
    isDefault: retention.isDefault,
    ...(retention.updatedAt ? { updatedAt: retention.updatedAt } : {}),
    rawEventsDeletedBefore: retention.rawEventsDeletedBefore ?? '',
    aggregatesDeletedBefore: retention.aggregatesDeletedBefore ?? '',
  };
}
