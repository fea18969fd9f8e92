import { BadRequestException, Controller, Get, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { assertPlanIncludesExports } from '../auth/plan';
import { errorBody } from '../errors/http-error.filter';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { LookupResponseDocs } from './lookups.docs';

/** Lookups answered as a plain JSON array. */
const ARRAY_LOOKUPS = ['user_properties', 'company_properties', 'features_events', 'event_types'];
/** Lookups with the seed's cursor pagination (`after_cursor`, `limit`, `metadata.cursor`). */
const PAGED_LOOKUPS = ['events_properties', 'segments'];

/** The Lookups of the Bulk Data Export API (seed 002) that fit this platform's data, served by aggregation. */
@ApiTags('Bulk Data Export API')
@Controller('api/v1/analytics/exports/lookups')
@UseGuards(ApiKeyGuard)
export class LookupsController {
  constructor(private readonly clients: ServiceClients) {}

  @Get(':lookup')
  @RequirePrivileges('exports:read')
  @ApiOperation({
    summary: 'Read a lookup',
    description: "The Bulk API's lookups that fit this platform's data: properties, events, event types and segments.",
  })
  @ApiParam({ name: 'lookup', enum: [...ARRAY_LOOKUPS, ...PAGED_LOOKUPS] })
  @ApiQuery({ name: 'after_cursor', required: false, description: 'events_properties, segments: the page after this cursor.' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    description: 'events_properties, segments: items per page.',
  })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @LookupResponseDocs()
  @ApiErrors(
    { status: 400, description: '`invalid_request`: a bad limit or cursor.' },
    { status: 404, description: '`lookup_not_found`: no lookup of that name.' },
    503,
  )
  async lookup(
    @CurrentAuth() auth: ApiKeyAuth,
    @Param('lookup') lookup: string,
    @Query('after_cursor') afterCursor?: string,
    @Query('limit') limitText?: string,
  ) {
    assertPlanIncludesExports(auth.app);
    if (![...ARRAY_LOOKUPS, ...PAGED_LOOKUPS].includes(lookup)) {
      throw new NotFoundException(errorBody(404, 'lookup_not_found', `no lookup named ${lookup}`));
    }
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new BadRequestException(errorBody(400, 'invalid_request', 'limit must be an integer from 1 to 500'));
    }
    if (ARRAY_LOOKUPS.includes(lookup)) {
      // Unpaged in the seed: every item, fetched page by page.
      const items: unknown[] = [];
      let cursor = '';
      do {
        const page = await this.clients.rows.lookup({ appId: auth.app.id, lookup, afterCursor: cursor, limit: 500 });
        items.push(...page.itemsJson.map((json) => JSON.parse(json) as unknown));
        cursor = page.afterCursor;
      } while (cursor);
      return items;
    }
    const page = await this.clients.rows.lookup({ appId: auth.app.id, lookup, afterCursor: afterCursor ?? '', limit });
    return {
      data: page.itemsJson.map((json) => JSON.parse(json) as unknown),
      metadata: {
        cursor: { after: page.afterCursor || null, before: page.beforeCursor || null },
        limit: page.limit,
        total_count: page.totalCount,
        total_count_cap_exceeded: false,
      },
    };
  }
}
