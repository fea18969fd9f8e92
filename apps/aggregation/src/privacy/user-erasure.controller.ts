import { Controller } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import { UserErasureService } from './user-erasure.service';

/** privacy.v1.UserErasureService: proto <-> domain, nothing else (`suppress` is ingestion's). */
@Controller()
@privacy.UserErasureServiceControllerMethods()
export class UserErasureController implements privacy.UserErasureServiceController {
  constructor(private readonly erasure: UserErasureService) {}

  async eraseUser(request: privacy.EraseUserRequest): Promise<privacy.EraseUserResponse> {
    return { removed: await this.erasure.erase(request.appId, request.userId, request.requestId) };
  }
}
