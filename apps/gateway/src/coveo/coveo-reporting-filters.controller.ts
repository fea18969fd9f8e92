import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { analytics } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CoveoOrgDocs, CoveoReportingFilterDocs, CoveoReportingFilterListDocs } from './coveo.docs';
import { CoveoOrgGuard } from './coveo-org.guard';
import { ReportingFilterDto } from './reporting-filter.dto';
import { reportingFilterName, reportingFilterNameCandidate } from './reporting-filter-name';

/** How many names POST tries (NAME, NAME_2, ...) before the conflict is the answer. */
const MAX_NAME_ATTEMPTS = 20;

/**
 * Coveo's reporting filters (Usage Analytics Read API v15) are the platform's named filters, the same ones
 * `/api/v1/filters` serves: `id` is the name used as `$ID` in export filters, `value` is the platform's filter
 * language. Reading needs exports:read, writing exports:write (Coveo's View and Edit privileges).
 */
@ApiTags('Coveo-compatible API')
@Controller('rest/ua/v15/filters/reporting')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
@CoveoOrgDocs()
@ApiErrors(503)
export class CoveoReportingFiltersController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'List reporting filters', description: "The app's named filters." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOkResponse({ type: CoveoReportingFilterListDocs, description: 'The filters.' })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { filters } = await this.clients.namedFilters.listNamedFilters({ appId: auth.app.id });
    return { filters: filters.map(reportingFilter) };
  }

  /** 201 with the filter; its id derives from displayName (see reportingFilterName), suffixed while taken. */
  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
  @ApiOperation({
    summary: 'Create a reporting filter',
    description: 'Its id derives from displayName (upper case, `_2`, `_3`, ... when taken).',
  })
  @ApiKeyAuthDocs({ privileges: ['exports:write'] })
  @ApiCreatedResponse({ type: CoveoReportingFilterDocs, description: 'The filter.' })
  @ApiErrors(
    {
      status: 400,
      description: '`invalid_request`, or `invalid_filter` (the value does not parse or names an unknown `$NAME`).',
    },
    { status: 409, description: '`named_filter_exists`: the name derived from displayName and its next suffixes are taken.' },
  )
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: ReportingFilterDto) {
    const base = reportingFilterName(body.displayName);
    for (let attempt = 1; ; attempt++) {
      const name = reportingFilterNameCandidate(base, attempt);
      try {
        const { filter } = await this.clients.namedFilters.createNamedFilter({
          appId: auth.app.id,
          filter: { name, displayName: body.displayName, filter: body.value },
        });
        return reportingFilter(filter);
      } catch (error) {
        if (attempt >= MAX_NAME_ATTEMPTS || fromGrpcError(error).code !== 'named_filter_exists') throw error;
      }
    }
  }

  @Get(':filterId')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'Get a reporting filter' })
  @ApiParam({ name: 'filterId', description: "The filter's id (its name).", example: 'EXCLUDE_PAGEVIEW_BOTS' })
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOkResponse({ type: CoveoReportingFilterDocs, description: 'The filter.' })
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('filterId') filterId: string) {
    const { filter } = await this.clients.namedFilters.getNamedFilter({ appId: auth.app.id, name: filterId });
    return reportingFilter(filter);
  }

  /** Replaces displayName and value. */
  @Put(':filterId')
  @RequirePrivileges('exports:write')
  @ApiOperation({ summary: 'Replace a reporting filter', description: 'Replaces displayName and value.' })
  @ApiParam({ name: 'filterId', description: "The filter's id (its name).", example: 'EXCLUDE_PAGEVIEW_BOTS' })
  @ApiKeyAuthDocs({ privileges: ['exports:write'] })
  @ApiOkResponse({ type: CoveoReportingFilterDocs, description: 'The filter.' })
  @ApiErrors({ status: 400, description: '`invalid_request` or `invalid_filter`.' })
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('filterId') filterId: string, @Body() body: ReportingFilterDto) {
    const { filter } = await this.clients.namedFilters.updateNamedFilter({
      appId: auth.app.id,
      filter: { name: filterId, displayName: body.displayName, filter: body.value },
    });
    return reportingFilter(filter);
  }

  /** 204; a filter that segments or other named filters use is the platform's 409 named_filter_in_use. */
  @Delete(':filterId')
  @HttpCode(204)
  @RequirePrivileges('exports:write')
  @ApiOperation({ summary: 'Delete a reporting filter' })
  @ApiParam({ name: 'filterId', description: "The filter's id (its name).", example: 'EXCLUDE_PAGEVIEW_BOTS' })
  @ApiKeyAuthDocs({ privileges: ['exports:write'] })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors({
    status: 409,
    description: '`named_filter_in_use`: segments or other named filters use it (`details` names them).',
  })
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('filterId') filterId: string): Promise<void> {
    await this.clients.namedFilters.deleteNamedFilter({ appId: auth.app.id, name: filterId });
  }
}

/** Coveo's FilterResponseV15 (without `account`: filters belong to the app, not to a user). */
function reportingFilter(filter: analytics.NamedFilter | undefined) {
  if (!filter) throw new Error('service answered without a filter');
  return { id: filter.name, displayName: filter.displayName, type: 'reporting', value: filter.filter };
}
