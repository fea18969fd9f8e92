import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { tenancy } from '@exportd/contracts';
import { AdminGuard } from '../auth/admin.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CreateApiKeyDto, CreateAppDto, UpdateAppDto } from './admin.dto';

/** Admin API: apps, plans and API keys. */
@Controller('admin/v1/apps')
@UseGuards(AdminGuard)
export class AdminController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  async createApp(@Body() body: CreateAppDto) {
    const created = await this.clients.apps.createApp({ name: body.name, plan: body.plan });
    return { ...publicApp(created.app), apiKey: created.apiKey, apiKeyId: created.apiKeyId };
  }

  @Get(':id')
  async getApp(@Param('id') id: string) {
    return publicApp((await this.clients.apps.getApp({ appId: id })).app);
  }

  @Patch(':id')
  async updateApp(@Param('id') id: string, @Body() body: UpdateAppDto) {
    return publicApp((await this.clients.apps.updateApp({ appId: id, plan: body.plan, name: body.name })).app);
  }

  @Post(':id/keys')
  async createKey(@Param('id') id: string, @Body() body: CreateApiKeyDto) {
    return this.clients.apps.createApiKey({ appId: id, privileges: body.privileges });
  }

  @Delete(':id/keys/:keyId')
  @HttpCode(204)
  async revokeKey(@Param('id') id: string, @Param('keyId') keyId: string): Promise<void> {
    await this.clients.apps.revokeApiKey({ appId: id, keyId });
  }
}

function publicApp(app: tenancy.App | undefined) {
  if (!app) throw new Error('service answered without an app');
  return { id: app.id, name: app.name, plan: app.plan, trackingKey: app.trackingKey, createdAt: app.createdAt?.toISOString() };
}
