import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CreateNamedFilterDto, UpdateNamedFilterDto } from './named-filter.dto';

/** Named filters of the caller's app: `$NAME` in export filters, segment filters and other named filters. */
@Controller('api/v1/filters')
@UseGuards(ApiKeyGuard)
export class FiltersController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateNamedFilterDto) {
    const { filter } = await this.clients.namedFilters.createNamedFilter({
      appId: auth.app.id,
      filter: { name: body.name, displayName: body.displayName ?? '', filter: body.filter },
    });
    return publicFilter(filter);
  }

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { filters } = await this.clients.namedFilters.listNamedFilters({ appId: auth.app.id });
    return { filters: filters.map(publicFilter) };
  }

  @Get(':name')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('name') name: string) {
    return publicFilter((await this.clients.namedFilters.getNamedFilter({ appId: auth.app.id, name })).filter);
  }

  @Put(':name')
  @RequirePrivileges('settings:write')
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('name') name: string, @Body() body: UpdateNamedFilterDto) {
    const { filter } = await this.clients.namedFilters.updateNamedFilter({
      appId: auth.app.id,
      filter: { name, displayName: body.displayName ?? '', filter: body.filter },
    });
    return publicFilter(filter);
  }

  @Delete(':name')
  @HttpCode(204)
  @RequirePrivileges('settings:write')
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('name') name: string): Promise<void> {
    await this.clients.namedFilters.deleteNamedFilter({ appId: auth.app.id, name });
  }
}

function publicFilter(filter: analytics.NamedFilter | undefined) {
  if (!filter) throw new Error('service answered without a filter');
  return {
    name: filter.name,
    displayName: filter.displayName,
    filter: filter.filter,
    createdAt: filter.createdAt?.toISOString(),
    updatedAt: filter.updatedAt?.toISOString(),
  };
}
