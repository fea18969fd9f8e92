import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { errorBody } from '../errors/http-error.filter';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CompanyAttributeConditionDto, CreateFeatureDto, UpdateFeatureDto } from './feature.dto';

/** Features of the caller's app: a name and a usage rule (events, or a company attribute condition). */
@Controller('api/v1/features')
@UseGuards(ApiKeyGuard)
export class FeaturesController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateFeatureDto) {
    if (!!body.events === !!body.companyAttribute) throw invalid('give exactly one of events or companyAttribute');
    const { feature } = await this.clients.features.createFeature({ appId: auth.app.id, feature: toProto('', body) });
    return publicFeature(feature);
  }

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { features } = await this.clients.features.listFeatures({ appId: auth.app.id });
    return { features: features.map(publicFeature) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicFeature((await this.clients.features.getFeature({ appId: auth.app.id, id })).feature);
  }

  @Patch(':id')
  @RequirePrivileges('settings:write')
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: UpdateFeatureDto) {
    if (body.events && body.companyAttribute) throw invalid('give at most one of events or companyAttribute');
    const { feature } = await this.clients.features.updateFeature({ appId: auth.app.id, feature: toProto(id, body) });
    return publicFeature(feature);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('settings:write')
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await this.clients.features.deleteFeature({ appId: auth.app.id, id });
  }
}

function invalid(message: string): BadRequestException {
  return new BadRequestException(errorBody(400, 'invalid_request', message));
}

function equalsJson(condition: CompanyAttributeConditionDto): string {
  const value = condition.equals;
  const primitive = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (!('equals' in condition) || !primitive) {
    throw invalid('companyAttribute.equals must be a string, number, boolean or null');
  }
  return JSON.stringify(value);
}

function toProto(id: string, body: CreateFeatureDto | UpdateFeatureDto): analytics.Feature {
  const condition = body.companyAttribute;
  return {
    id,
    name: body.name ?? '',
    events: body.events ?? [],
    usesCompanyAttribute: !!condition,
    companyAttributeKey: condition?.key ?? '',
    companyAttributeEqualsJson: condition ? equalsJson(condition) : '',
  };
}

function publicFeature(feature: analytics.Feature | undefined) {
  if (!feature) throw new Error('service answered without a feature');
  return {
    id: feature.id,
    name: feature.name,
    ...(feature.usesCompanyAttribute
      ? {
          companyAttribute: {
            key: feature.companyAttributeKey,
            equals: JSON.parse(feature.companyAttributeEqualsJson) as unknown,
          },
        }
      : { events: feature.events }),
    createdAt: feature.createdAt?.toISOString(),
    updatedAt: feature.updatedAt?.toISOString(),
  };
}
