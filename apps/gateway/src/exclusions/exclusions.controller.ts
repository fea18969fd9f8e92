import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { analytics } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { ExclusionsDocs } from './exclusions.docs';
import { PutExclusionsDto } from './exclusions.dto';

/** The app's exclusion list: users and companies exports leave out when asked (`exclusions: true`). */
@ApiTags('Exclusions')
@ApiErrors(503)
@Controller('api/v1/exclusions')
@UseGuards(ApiKeyGuard)
export class ExclusionsController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: "Read the app's exclusion list" })
  @ApiOkResponse({ type: ExclusionsDocs, description: 'The users and companies on the list.' })
  async get(@CurrentAuth() auth: ApiKeyAuth) {
    return publicExclusions((await this.clients.exclusions.getExclusions({ appId: auth.app.id })).exclusions);
  }

  @Put()
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Replace the exclusion list',
    description: 'The lists given replace the previous ones.',
  })
  @ApiOkResponse({ type: ExclusionsDocs, description: 'The list as stored.' })
  @ApiErrors(400)
  async put(@CurrentAuth() auth: ApiKeyAuth, @Body() body: PutExclusionsDto) {
    const { exclusions } = await this.clients.exclusions.putExclusions({
      appId: auth.app.id,
      exclusions: { userIds: body.userIds, companyIds: body.companyIds },
    });
    return publicExclusions(exclusions);
  }
}

function publicExclusions(exclusions: analytics.Exclusions | undefined) {
  return { userIds: exclusions?.userIds ?? [], companyIds: exclusions?.companyIds ?? [] };
}
