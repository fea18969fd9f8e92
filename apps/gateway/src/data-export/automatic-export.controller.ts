import { Body, Controller, Get, HttpCode, Post, Put, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { schedulesV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { providerOf, publicDestination } from '../destinations/destinations.controller';
import { cadenceName, cadenceOf, exportJobCall } from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { PutAutomaticExportDto } from './automatic-export.dto';
import { AutomaticExportDocs, AutomaticExportRunDocs } from './data-export.docs';

const STATUSES: Partial<Record<schedulesV1.RunStatus, string>> = {
  [schedulesV1.RunStatus.RUN_STATUS_NEVER_RAN]: 'never_ran',
  [schedulesV1.RunStatus.RUN_STATUS_SUCCESSFUL]: 'successful',
  [schedulesV1.RunStatus.RUN_STATUS_FAILED]: 'failed',
};

/**
 * The automatic company export (seed 000, Enterprise plan): a daily or weekly company CSV written into the
 * app's own S3-compatible storage. Other plans get the Bulk API's 403 body; export-job owns every rule.
 */
@ApiTags('Company data export')
@Controller('api/v1/data-export/automatic')
@UseGuards(ApiKeyGuard)
export class AutomaticExportController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @RequirePrivileges('exports:read')
  @ApiOperation({
    summary: 'Get the automatic company export',
    description: 'Its settings and the state of its runs (Enterprise plan).',
  })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: AutomaticExportDocs, description: 'The settings and status.' })
  @ApiErrors(503)
  async get(@CurrentAuth() auth: ApiKeyAuth) {
    const call = this.clients.automaticExports.getAutomaticExport({ appId: auth.app.id });
    return automaticExportBody((await exportJobCall(auth.app, call)).automaticExport);
  }

  /** Checks the storage by listing the bucket (400 `destination_invalid` with its reason), then saves. */
  @Put()
  @RequirePrivileges('settings:write')
  @ApiOperation({
    summary: 'Set the automatic company export',
    description: 'The toggle, cadence and storage; the storage is checked by listing the bucket first.',
  })
  @ApiKeyAuthDocs({ privileges: ['settings:write'], plan: true })
  @ApiOkResponse({ type: AutomaticExportDocs, description: 'The saved settings and status.' })
  @ApiErrors(
    {
      status: 400,
      description:
        '`invalid_request` naming the field, or `destination_invalid` with `details.reason` (the storage check failed); nothing saved.',
    },
    503,
  )
  async put(@CurrentAuth() auth: ApiKeyAuth, @Body() body: PutAutomaticExportDto) {
    const destination =
      body.provider === undefined
        ? undefined
        : {
            name: '',
            provider: providerOf(body.provider),
            url: body.url ?? '',
            bucket: body.bucket ?? '',
            region: body.region ?? '',
            key: body.key ?? '',
            endpoint: body.endpoint ?? '',
            accessKeyId: body.accessKeyId ?? '',
            secretAccessKey: body.secretAccessKey ?? '',
          };
    const call = this.clients.automaticExports.putAutomaticExport({
      appId: auth.app.id,
      enabled: body.enabled,
      cadence: cadenceOf(body.cadence),
      destination,
    });
    return automaticExportBody((await exportJobCall(auth.app, call)).automaticExport);
  }

  /** Runs the latest ended period now (202); it writes the same object as that period's scheduled run. */
  @Post('run')
  @HttpCode(202)
  @RequirePrivileges('settings:write')
  @ApiOperation({
    summary: 'Run the automatic company export now',
    description: 'Writes the latest ended period (the same object as its scheduled run).',
  })
  @ApiKeyAuthDocs({ privileges: ['settings:write'], plan: true })
  @ApiAcceptedResponse({ type: AutomaticExportRunDocs, description: 'The run is started.' })
  @ApiErrors({ status: 400, description: '`invalid_request`: the automatic export is not configured.' }, 503)
  async run(@CurrentAuth() auth: ApiKeyAuth) {
    const call = this.clients.automaticExports.runAutomaticExport({ appId: auth.app.id });
    const { fromDay, toDay } = await exportJobCall(auth.app, call);
    return { period: { from: fromDay, to: toDay } };
  }
}

export function automaticExportBody(settings: schedulesV1.AutomaticExport | undefined) {
  if (!settings) throw new Error('export-job answered without the automatic export');
  const destination = settings.destination ? publicDestination(settings.destination) : null;
  const status = settings.status;
  return {
    enabled: settings.enabled,
    cadence: cadenceName(settings.cadence),
    destination: destination && {
      provider: destination.provider,
      bucket: destination.bucket,
      region: destination.region,
      key: destination.key,
      endpoint: destination.endpoint,
      accessKeyId: destination.accessKeyId,
    },
    status: {
      lastRunAt: status?.lastRunAt?.toISOString() ?? null,
      lastStatus: (status && STATUSES[status.lastStatus]) ?? 'never_ran',
      nextRunAt: status?.nextRunAt?.toISOString() ?? null,
      error: status?.error || null,
    },
  };
}
