import { Controller } from '@nestjs/common';
import {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthControllerMethods,
  HealthController as HealthContract,
} from '@exportd/contracts/generated/grpc/health/v1/health';

/** grpc.health.v1.Health: answers SERVING while the process accepts calls. */
@Controller()
@HealthControllerMethods()
export class GrpcHealthController implements HealthContract {
  check(_request: HealthCheckRequest): HealthCheckResponse {
    return { status: HealthCheckResponse_ServingStatus.SERVING };
  }
}
