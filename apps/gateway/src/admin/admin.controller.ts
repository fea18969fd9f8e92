import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { tenancy } from '@exportd/contracts';
import { AdminAuthDocs, ApiErrors } from '../openapi/api-docs';
import { AdminGuard } from '../auth/admin.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { AppDocs, CreatedApiKeyDocs, CreatedAppDocs } from './admin.docs';
import { CreateApiKeyDto, CreateAppDto, UpdateAppDto } from './admin.dto';

/** Admin API: apps, plans and API keys. */
@ApiTags('Admin')
@AdminAuthDocs()
@ApiErrors(503)
@Controller('admin/v1/apps')
@UseGuards(AdminGuard)
export class AdminController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @ApiOperation({ summary: 'Create an app', description: 'Answers the app and its first API key (every privilege), shown once.' })
  @ApiCreatedResponse({ type: CreatedAppDocs, description: 'The app, with its full-privilege API key.' })
  @ApiErrors(400)
  async createApp(@Body() body: CreateAppDto) {
    const created = await this.clients.apps.createApp({ name: body.name, plan: body.plan });
    return { ...publicApp(created.app), apiKey: created.apiKey, apiKeyId: created.apiKeyId };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read an app' })
  @ApiParam({ name: 'id', description: 'The app id.', example: 'app_0f6c1c4e9b3a4d2f8e7a6b5c4d3e2f1a' })
  @ApiOkResponse({ type: AppDocs, description: 'The app.' })
  @ApiErrors(404)
  async getApp(@Param('id') id: string) {
    return publicApp((await this.clients.apps.getApp({ appId: id })).app);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change an app's name or plan", description: 'Fields left out keep their value.' })
  @ApiParam({ name: 'id', description: 'The app id.' })
  @ApiOkResponse({ type: AppDocs, description: 'The app as changed.' })
  @ApiErrors(400, 404)
  async updateApp(@Param('id') id: string, @Body() body: UpdateAppDto) {
    return publicApp((await this.clients.apps.updateApp({ appId: id, plan: body.plan, name: body.name })).app);
  }

  @Post(':id/keys')
  @ApiOperation({ summary: 'Issue an API key', description: 'The key is shown once; it is stored only as a hash.' })
  @ApiParam({ name: 'id', description: 'The app id.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDocs, description: 'The key, shown this once, with its privileges.' })
  @ApiErrors(400, 404)
  async createKey(@Param('id') id: string, @Body() body: CreateApiKeyDto) {
    return this.clients.apps.createApiKey({ appId: id, privileges: body.privileges });
  }

  @Delete(':id/keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key', description: 'The key stops authenticating at once.' })
  @ApiParam({ name: 'id', description: 'The app id.' })
  @ApiParam({ name: 'keyId', description: 'The key id (`key_...`), not the key itself.' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors(404)
  async revokeKey(@Param('id') id: string, @Param('keyId') keyId: string): Promise<void> {
    await this.clients.apps.revokeApiKey({ appId: id, keyId });
  }
}

function publicApp(app: tenancy.App | undefined) {
  if (!app) throw new Error('service answered without an app');
  return { id: app.id, name: app.name, plan: app.plan, trackingKey: app.trackingKey, createdAt: app.createdAt?.toISOString() };
}
