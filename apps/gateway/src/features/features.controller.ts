import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { errorBody } from '../errors/http-error.filter';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CompanyAttributeConditionDto, CreateFeatureDto, UpdateFeatureDto } from './feature.dto';
import { FeatureDocs, FeatureListDocs } from './features.docs';

const FEATURE_ID = { name: 'id', description: 'The feature id.', example: 'feat_9b1e4c2d7a6f4e8b9c0d1e2f3a4b5c6d' };

/** Features of the caller's app: a name and a usage rule (events, or a company attribute condition). */
@ApiTags('Features')
@ApiErrors(503)
@Controller('api/v1/features')
@UseGuards(ApiKeyGuard)
export class FeaturesController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Create a feature',
    description: 'The usage rule is exactly one of `events` and `companyAttribute`.',
  })
  @ApiCreatedResponse({ type: FeatureDocs, description: 'The feature as stored.' })
  @ApiErrors(400)
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateFeatureDto) {
    if (!!body.events === !!body.companyAttribute) throw invalid('give exactly one of events or companyAttribute');
    const { feature } = await this.clients.features.createFeature({ appId: auth.app.id, feature: toProto('', body) });
    return publicFeature(feature);
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: "List the app's features" })
  @ApiOkResponse({ type: FeatureListDocs, description: "The app's features." })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { features } = await this.clients.features.listFeatures({ appId: auth.app.id });
    return { features: features.map(publicFeature) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: 'Read a feature' })
  @ApiParam(FEATURE_ID)
  @ApiOkResponse({ type: FeatureDocs, description: 'The feature.' })
  @ApiErrors(404)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicFeature((await this.clients.features.getFeature({ appId: auth.app.id, id })).feature);
  }

  @Patch(':id')
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Change a feature',
    description: 'Fields left out keep their value; a new usage rule replaces the old one.',
  })
  @ApiParam(FEATURE_ID)
  @ApiOkResponse({ type: FeatureDocs, description: 'The feature as changed.' })
  @ApiErrors(400, 404)
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: UpdateFeatureDto) {
    if (body.events && body.companyAttribute) throw invalid('give at most one of events or companyAttribute');
    const { feature } = await this.clients.features.updateFeature({ appId: auth.app.id, feature: toProto(id, body) });
    return publicFeature(feature);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({ summary: 'Delete a feature' })
  @ApiParam(FEATURE_ID)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
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
