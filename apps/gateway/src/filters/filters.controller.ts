import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { NamedFilterDocs, NamedFilterListDocs } from './filters.docs';
import { CreateNamedFilterDto, NAMED_FILTER_NAME_PATTERN, UpdateNamedFilterDto } from './named-filter.dto';

const FILTER_NAME = {
  name: 'name',
  description: 'The named filter (without `$`).',
  schema: { type: 'string', pattern: NAMED_FILTER_NAME_PATTERN, example: 'EXCLUDE_BOTS' },
};

/** Named filters of the caller's app: `$NAME` in export filters, segment filters and other named filters. */
@ApiTags('Named filters')
@ApiErrors(503)
@Controller('api/v1/filters')
@UseGuards(ApiKeyGuard)
export class FiltersController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Create a named filter',
    description: 'A filter that does not parse, or an unknown `$NAME` or a cycle, is a 400 `invalid_filter`.',
  })
  @ApiCreatedResponse({ type: NamedFilterDocs, description: 'The named filter as stored.' })
  @ApiErrors(400)
  @ApiErrors({ status: 409, description: '`named_filter_exists`: the app already has a filter of this name.' })
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateNamedFilterDto) {
    const { filter } = await this.clients.namedFilters.createNamedFilter({
      appId: auth.app.id,
      filter: { name: body.name, displayName: body.displayName ?? '', filter: body.filter },
    });
    return publicFilter(filter);
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: "List the app's named filters" })
  @ApiOkResponse({ type: NamedFilterListDocs, description: "The app's named filters." })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { filters } = await this.clients.namedFilters.listNamedFilters({ appId: auth.app.id });
    return { filters: filters.map(publicFilter) };
  }

  @Get(':name')
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: 'Read a named filter' })
  @ApiParam(FILTER_NAME)
  @ApiOkResponse({ type: NamedFilterDocs, description: 'The named filter.' })
  @ApiErrors(404)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('name') name: string) {
    return publicFilter((await this.clients.namedFilters.getNamedFilter({ appId: auth.app.id, name })).filter);
  }

  @Put(':name')
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Replace a named filter',
    description: 'Replaces the display name and the filter text.',
  })
  @ApiParam(FILTER_NAME)
  @ApiOkResponse({ type: NamedFilterDocs, description: 'The filter as replaced.' })
  @ApiErrors(400, 404)
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
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({ summary: 'Delete a named filter' })
  @ApiParam(FILTER_NAME)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  @ApiErrors({
    status: 409,
    description: '`named_filter_in_use`: a segment or another named filter uses it (`details` names them).',
  })
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
