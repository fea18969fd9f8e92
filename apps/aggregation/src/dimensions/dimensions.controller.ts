import { Controller } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { Dimension } from './dimensions';
import { DimensionsService } from './dimensions.service';

/** analytics.v1.DimensionsService: proto <-> domain, nothing else. */
@Controller()
@analytics.DimensionsServiceControllerMethods()
export class DimensionsController implements analytics.DimensionsServiceController {
  constructor(private readonly dimensions: DimensionsService) {}

  async listDimensions(request: analytics.ListDimensionsRequest): Promise<analytics.ListDimensionsResponse> {
    return { dimensions: (await this.dimensions.list(request.appId)).map(toProto) };
  }

  async getDimension(request: analytics.GetDimensionRequest): Promise<analytics.GetDimensionResponse> {
    return { dimension: toProto(await this.dimensions.get(request.appId, request.apiName)) };
  }
}

function toProto(dimension: Dimension): analytics.Dimension {
  return {
    returnName: dimension.returnName,
    displayName: dimension.displayName,
    type: dimension.type,
    tables: dimension.tables,
    apiNames: dimension.apiNames,
    custom: dimension.custom,
  };
}
