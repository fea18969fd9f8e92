import { Controller } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import { UserErasureService } from './user-erasure.service';

/** privacy.v1.UserErasureService: proto <-> domain, nothing else. */
@Controller()
@privacy.UserErasureServiceControllerMethods()
export class UserErasureController implements privacy.UserErasureServiceController {
  constructor(private readonly service: UserErasureService) {}

  async eraseUser(request: privacy.EraseUserRequest): Promise<privacy.EraseUserResponse> {
    const removed = await this.service.eraseUser(request.appId, request.userId, request.requestId, request.suppress);
    return { removed: removed.map(({ name, count }) => ({ name, count })) };
  }
}
