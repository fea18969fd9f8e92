import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
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
@Controller('rest/ua/v15/filters/reporting')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
export class CoveoReportingFiltersController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { filters } = await this.clients.namedFilters.listNamedFilters({ appId: auth.app.id });
    return { filters: filters.map(reportingFilter) };
  }

  /** 201 with the filter; its id derives from displayName (see reportingFilterName), suffixed while taken. */
  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
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
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('filterId') filterId: string) {
    const { filter } = await this.clients.namedFilters.getNamedFilter({ appId: auth.app.id, name: filterId });
    return reportingFilter(filter);
  }

  /** Replaces displayName and value. */
  @Put(':filterId')
  @RequirePrivileges('exports:write')
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
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('filterId') filterId: string): Promise<void> {
    await this.clients.namedFilters.deleteNamedFilter({ appId: auth.app.id, name: filterId });
  }
}

/** Coveo's FilterResponseV15 (without `account`: filters belong to the app, not to a user). */
function reportingFilter(filter: analytics.NamedFilter | undefined) {
  if (!filter) throw new Error('service answered without a filter');
  return { id: filter.name, displayName: filter.displayName, type: 'reporting', value: filter.filter };
}
