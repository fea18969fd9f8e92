import { Controller } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { ExclusionsService } from './exclusions.service';

/** analytics.v1.ExclusionsService: proto <-> domain, nothing else. */
@Controller()
@analytics.ExclusionsServiceControllerMethods()
export class ExclusionsController implements analytics.ExclusionsServiceController {
  constructor(private readonly exclusions: ExclusionsService) {}

  async getExclusions(request: analytics.GetExclusionsRequest): Promise<analytics.ExclusionsResponse> {
    return { exclusions: await this.exclusions.get(request.appId) };
  }

  async putExclusions(request: analytics.PutExclusionsRequest): Promise<analytics.ExclusionsResponse> {
    const list = request.exclusions ?? { userIds: [], companyIds: [] };
    return { exclusions: await this.exclusions.put(request.appId, list) };
  }
}
