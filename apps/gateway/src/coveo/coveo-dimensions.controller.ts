import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CoveoDimensionDocs, CoveoOrgDocs } from './coveo.docs';
import { CoveoOrgGuard } from './coveo-org.guard';

/**
 * Coveo's dimensions (Usage Analytics Read API v15): the exportable columns of every table and the attribute
 * keys seen in the app's data, from aggregation's catalogue.
 */
@ApiTags('Coveo-compatible API')
@Controller('rest/ua/v15/dimensions')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
@ApiKeyAuthDocs({ privileges: ['exports:read'] })
@CoveoOrgDocs()
@ApiErrors(503)
export class CoveoDimensionsController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @RequirePrivileges('exports:read')
  @ApiOperation({
    summary: 'List dimensions',
    description: "Every table's export columns, then the `attributes.<key>` seen in the app's data.",
  })
  @ApiOkResponse({ type: CoveoDimensionDocs, isArray: true, description: 'The dimensions.' })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { dimensions } = await this.clients.dimensions.listDimensions({ appId: auth.app.id });
    return dimensions.map(coveoDimension);
  }

  @Get(':apiName')
  @RequirePrivileges('exports:read')
  @ApiOperation({
    summary: 'Get a dimension',
    description: 'By return name or `<table>.<returnName>`; 404 `dimension_not_found` otherwise.',
  })
  @ApiParam({ name: 'apiName', example: 'events.event_name' })
  @ApiOkResponse({ type: CoveoDimensionDocs, description: 'The dimension.' })
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('apiName') apiName: string) {
    const { dimension } = await this.clients.dimensions.getDimension({ appId: auth.app.id, apiName });
    if (!dimension) throw new Error('service answered without a dimension');
    return coveoDimension(dimension);
  }
}

/** Coveo's DimensionResponseV15; `eventTypes` (Coveo's field) and `tables` both list the tables that have it. */
function coveoDimension(dimension: analytics.Dimension) {
  return {
    returnName: dimension.returnName,
    displayName: dimension.displayName,
    type: dimension.type,
    tables: dimension.tables,
    eventTypes: dimension.tables,
    apiNames: dimension.apiNames,
    custom: dimension.custom,
    status: 'AVAILABLE',
  };
}
