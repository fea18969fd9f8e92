import { Controller } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { FeatureRecord } from './feature.repository';
import { FeatureInput, FeaturesService } from './features.service';

/** analytics.v1.FeaturesService: proto <-> domain, nothing else. */
@Controller()
@analytics.FeaturesServiceControllerMethods()
export class FeaturesController implements analytics.FeaturesServiceController {
  constructor(private readonly features: FeaturesService) {}

  async createFeature(request: analytics.CreateFeatureRequest): Promise<analytics.FeatureResponse> {
    return { feature: toProto(await this.features.create(request.appId, fromProto(request.feature))) };
  }

  async getFeature(request: analytics.GetFeatureRequest): Promise<analytics.FeatureResponse> {
    return { feature: toProto(await this.features.get(request.appId, request.id)) };
  }

  async listFeatures(request: analytics.ListFeaturesRequest): Promise<analytics.ListFeaturesResponse> {
    return { features: (await this.features.list(request.appId)).map(toProto) };
  }

  async updateFeature(request: analytics.UpdateFeatureRequest): Promise<analytics.FeatureResponse> {
    return {
      feature: toProto(await this.features.update(request.appId, request.feature?.id ?? '', fromProto(request.feature))),
    };
  }

  async deleteFeature(request: analytics.DeleteFeatureRequest): Promise<analytics.DeleteResponse> {
    await this.features.delete(request.appId, request.id);
    return {};
  }
}

/** Empty proto fields mean "not given". */
function fromProto(feature: analytics.Feature | undefined): FeatureInput {
  if (!feature) return {};
  return {
    name: feature.name || undefined,
    events: feature.events.length > 0 ? feature.events : undefined,
    companyAttribute: feature.usesCompanyAttribute
      ? { key: feature.companyAttributeKey, equalsJson: feature.companyAttributeEqualsJson }
      : undefined,
  };
}

function toProto(feature: FeatureRecord): analytics.Feature {
  return {
    id: feature._id,
    name: feature.name,
    events: feature.events ?? [],
    usesCompanyAttribute: !!feature.companyAttribute,
    companyAttributeKey: feature.companyAttribute?.key ?? '',
    companyAttributeEqualsJson: feature.companyAttribute?.equalsJson ?? '',
    createdAt: feature.createdAt,
    updatedAt: feature.updatedAt,
  };
}
