import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { privacy } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { RetentionDocs } from './privacy.docs';
import { PutRetentionDto } from './privacy.dto';

/**
 * The app's retention policy (seed 003's table: raw events 90 days, aggregates 2 years, export files 7 days;
 * user profiles until deletion), `settings:write`. Sweepers delete what falls outside it.
 */
@ApiTags('Retention')
@ApiKeyAuthDocs({ privileges: ['settings:write'] })
@ApiErrors(503)
@Controller('api/v1/retention')
@UseGuards(ApiKeyGuard)
@RequirePrivileges('settings:write')
export class RetentionController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @ApiOperation({ summary: "Read the app's retention policy" })
  @ApiOkResponse({ type: RetentionDocs, description: 'The policy, and what the sweeps have deleted.' })
  async get(@CurrentAuth() auth: ApiKeyAuth) {
    return retentionBody(await this.clients.retention.getRetention({ appId: auth.app.id }));
  }

  @Put()
  @ApiOperation({
    summary: 'Change the retention policy',
    description: 'A field left out keeps its current value; sweepers delete what falls outside the policy.',
  })
  @ApiOkResponse({ type: RetentionDocs, description: 'The policy as stored.' })
  @ApiErrors(400)
  async put(@CurrentAuth() auth: ApiKeyAuth, @Body() body: PutRetentionDto) {
    // Ingestion keeps the current value of a field left out.
    const { rawEventsDays, aggregatesDays, exportFilesDays } = body;
    return retentionBody(
      await this.clients.retention.putRetention({
        appId: auth.app.id,
        policy: { rawEventsDays, aggregatesDays, exportFilesDays },
      }),
    );
  }
}

function retentionBody(answer: privacy.RetentionResponse) {
  return {
    rawEventsDays: answer.policy?.rawEventsDays ?? null,
    aggregatesDays: answer.policy?.aggregatesDays ?? null,
    exportFilesDays: answer.policy?.exportFilesDays ?? null,
    isDefault: answer.isDefault,
    updatedAt: answer.updatedAt?.toISOString() ?? null,
    rawEventsDeletedBefore: answer.rawEventsDeletedBefore || null,
    aggregatesDeletedBefore: answer.aggregatesDeletedBefore || null,
  };
}
