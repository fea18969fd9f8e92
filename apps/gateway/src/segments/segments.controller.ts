import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CreateSegmentDto, UpdateSegmentDto } from './segment.dto';

/** Segments of the caller's app: a name and a filter over company attributes. */
@Controller('api/v1/segments')
@UseGuards(ApiKeyGuard)
export class SegmentsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateSegmentDto) {
    const { segment } = await this.clients.segments.createSegment({
      appId: auth.app.id,
      segment: { id: '', name: body.name, filter: body.filter },
    });
    return publicSegment(segment);
  }

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { segments } = await this.clients.segments.listSegments({ appId: auth.app.id });
    return { segments: segments.map(publicSegment) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicSegment((await this.clients.segments.getSegment({ appId: auth.app.id, id })).segment);
  }

  @Patch(':id')
  @RequirePrivileges('settings:write')
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
