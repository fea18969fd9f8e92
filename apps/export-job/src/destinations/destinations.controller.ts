import { Controller } from '@nestjs/common';
import { destinationsV1 } from '@exportd/contracts';
import { destinationInputFromProto, destinationToProto, patchFromProto } from './destination.mapper';
import { DestinationsService } from './destinations.service';

/** exports.v1.DestinationsService: proto <-> domain, nothing else. */
@Controller()
@destinationsV1.DestinationsServiceControllerMethods()
export class DestinationsController implements destinationsV1.DestinationsServiceController {
  constructor(private readonly destinations: DestinationsService) {}

  async createDestination(request: destinationsV1.CreateDestinationRequest): Promise<destinationsV1.CreateDestinationResponse> {
    const created = await this.destinations.create(request.appId, destinationInputFromProto(request.destination));
    return { destination: destinationToProto(created) };
  }

  async getDestination(request: destinationsV1.GetDestinationRequest): Promise<destinationsV1.GetDestinationResponse> {
    return { destination: destinationToProto(await this.destinations.get(request.appId, request.id)) };
  }

  async listDestinations(request: destinationsV1.ListDestinationsRequest): Promise<destinationsV1.ListDestinationsResponse> {
    return { destinations: (await this.destinations.list(request.appId)).map(destinationToProto) };
  }

  async updateDestination(request: destinationsV1.UpdateDestinationRequest): Promise<destinationsV1.UpdateDestinationResponse> {
    const updated = await this.destinations.update(request.appId, request.id, patchFromProto(request));
    return { destination: destinationToProto(updated) };
  }

  async deleteDestination(request: destinationsV1.DeleteDestinationRequest): Promise<destinationsV1.DeleteDestinationResponse> {
    await this.destinations.delete(request.appId, request.id);
    return {};
  }

  async checkDestination(request: destinationsV1.CheckDestinationRequest): Promise<destinationsV1.CheckDestinationResponse> {
    return { destination: destinationToProto(await this.destinations.check(request.appId, request.id)) };
  }
}
