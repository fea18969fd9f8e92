import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CreateSegmentDto, UpdateSegmentDto } from './segment.dto';
import { SegmentDocs, SegmentListDocs } from './segments.docs';

const SEGMENT_ID = { name: 'id', description: 'The segment id.', example: 'seg_4d3c2b1a0f9e4d8c7b6a5f4e3d2c1b0a' };

/** Segments of the caller's app: a name and a filter over company attributes. */
@ApiTags('Segments')
@ApiErrors(503)
@Controller('api/v1/segments')
@UseGuards(ApiKeyGuard)
export class SegmentsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Create a segment',
    description: 'A filter that does not parse, or an unknown `$NAME` or a cycle, is a 400 naming the position or the name.',
  })
  @ApiCreatedResponse({ type: SegmentDocs, description: 'The segment as stored.' })
  @ApiErrors(400)
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateSegmentDto) {
    const { segment } = await this.clients.segments.createSegment({
      appId: auth.app.id,
      segment: { id: '', name: body.name, filter: body.filter },
    });
    return publicSegment(segment);
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: "List the app's segments" })
  @ApiOkResponse({ type: SegmentListDocs, description: "The app's segments." })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { segments } = await this.clients.segments.listSegments({ appId: auth.app.id });
    return { segments: segments.map(publicSegment) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: 'Read a segment' })
  @ApiParam(SEGMENT_ID)
  @ApiOkResponse({ type: SegmentDocs, description: 'The segment.' })
  @ApiErrors(404)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicSegment((await this.clients.segments.getSegment({ appId: auth.app.id, id })).segment);
  }

  @Patch(':id')
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({ summary: 'Change a segment', description: 'Fields left out keep their value.' })
  @ApiParam(SEGMENT_ID)
  @ApiOkResponse({ type: SegmentDocs, description: 'The segment as changed.' })
  @ApiErrors(400, 404)
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: UpdateSegmentDto) {
    const { segment } = await this.clients.segments.updateSegment({
      appId: auth.app.id,
      segment: { id, name: body.name ?? '', filter: body.filter ?? '' },
    });
    return publicSegment(segment);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({ summary: 'Delete a segment' })
  @ApiParam(SEGMENT_ID)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await this.clients.segments.deleteSegment({ appId: auth.app.id, id });
  }
}

function publicSegment(segment: analytics.Segment | undefined) {
  if (!segment) throw new Error('service answered without a segment');
  return {
    id: segment.id,
    name: segment.name,
    filter: segment.filter,
    createdAt: segment.createdAt?.toISOString(),
    updatedAt: segment.updatedAt?.toISOString(),
  };
}
