import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CoveoOrgGuard } from './coveo-org.guard';

/**
 * Coveo's dimensions (Usage Analytics Read API v15): the exportable columns of every table and the attribute
 * keys seen in the app's data, from aggregation's catalogue.
 */
@Controller('rest/ua/v15/dimensions')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
export class CoveoDimensionsController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { dimensions } = await this.clients.dimensions.listDimensions({ appId: auth.app.id });
    return dimensions.map(coveoDimension);
  }

  @Get(':apiName')
  @RequirePrivileges('exports:read')
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
