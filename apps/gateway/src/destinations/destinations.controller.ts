import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { destinationsV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { DESTINATION_INVALID_DESCRIPTION, DestinationDocs, DestinationListDocs } from './destinations.docs';
import { CreateDestinationDto, DestinationProviderName, UpdateDestinationDto } from './destinations.dto';

const { DestinationProvider, DestinationCheckReason } = destinationsV1;

const PROVIDERS: Record<DestinationProviderName, destinationsV1.DestinationProvider> = {
  aws: DestinationProvider.DESTINATION_PROVIDER_AWS,
  gcp: DestinationProvider.DESTINATION_PROVIDER_GCP,
  custom: DestinationProvider.DESTINATION_PROVIDER_CUSTOM,
};

/** The public spelling of each check reason (`details.reason` of a `destination_invalid` error spells them alike). */
const REASONS: Partial<Record<destinationsV1.DestinationCheckReason, string>> = {
  [DestinationCheckReason.DESTINATION_CHECK_REASON_INVALID_URL]: 'invalid_url',
  [DestinationCheckReason.DESTINATION_CHECK_REASON_INVALID_ACCESS_KEY]: 'invalid_access_key',
  [DestinationCheckReason.DESTINATION_CHECK_REASON_SIGNATURE_MISMATCH]: 'signature_mismatch',
  [DestinationCheckReason.DESTINATION_CHECK_REASON_NO_SUCH_BUCKET]: 'no_such_bucket',
  [DestinationCheckReason.DESTINATION_CHECK_REASON_ACCESS_DENIED]: 'access_denied',
  [DestinationCheckReason.DESTINATION_CHECK_REASON_UNREACHABLE]: 'unreachable',
  [DestinationCheckReason.DESTINATION_CHECK_REASON_FORBIDDEN_ADDRESS]: 'forbidden_address',
};

const DESTINATION_ID = { name: 'id', description: 'The destination id.', example: 'dst_7a6b5c4d3e2f4a1b9c8d7e6f5a4b3c2d' };
const SECRET_UNREADABLE =
  '`destination_secret_unreadable`: the stored secret cannot be decrypted any more; give the secret access key again.';

/**
 * Destinations of the caller's app: its own S3-compatible storage, checked by listing the bucket before each
 * save. The secret access key is accepted here and never answered.
 */
@ApiTags('Destinations')
@ApiErrors(503)
@Controller('api/v1/destinations')
@UseGuards(ApiKeyGuard)
export class DestinationsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Create a destination',
    description: 'Lists the bucket under the prefix with the credentials first (10 s limit); a failure saves nothing.',
  })
  @ApiCreatedResponse({ type: DestinationDocs, description: 'The destination, checked and saved (without the secret).' })
  @ApiErrors({ status: 400, description: DESTINATION_INVALID_DESCRIPTION })
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateDestinationDto) {
    const { destination } = await this.clients.destinations.createDestination({
      appId: auth.app.id,
      destination: {
        name: body.name ?? '',
        provider: PROVIDERS[body.provider],
        url: body.url ?? '',
        bucket: body.bucket ?? '',
        region: body.region ?? '',
        key: body.key ?? '',
        endpoint: body.endpoint ?? '',
        accessKeyId: body.accessKeyId,
        secretAccessKey: body.secretAccessKey,
      },
    });
    return publicDestination(destination);
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: "List the app's destinations" })
  @ApiOkResponse({ type: DestinationListDocs, description: "The app's destinations." })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { destinations } = await this.clients.destinations.listDestinations({ appId: auth.app.id });
    return { destinations: destinations.map(publicDestination) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'] })
  @ApiOperation({ summary: 'Read a destination' })
  @ApiParam(DESTINATION_ID)
  @ApiOkResponse({ type: DestinationDocs, description: 'The destination.' })
  @ApiErrors(404)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicDestination((await this.clients.destinations.getDestination({ appId: auth.app.id, id })).destination);
  }

  @Patch(':id')
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Change a destination',
    description: 'The fields given replace the stored ones; the result is checked like a new destination before it is saved.',
  })
  @ApiParam(DESTINATION_ID)
  @ApiOkResponse({ type: DestinationDocs, description: 'The destination as changed.' })
  @ApiErrors({ status: 400, description: DESTINATION_INVALID_DESCRIPTION })
  @ApiErrors(404)
  @ApiErrors({ status: 409, description: SECRET_UNREADABLE })
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: UpdateDestinationDto) {
    const { destination } = await this.clients.destinations.updateDestination({
      appId: auth.app.id,
      id,
      name: body.name,
      provider: body.provider === undefined ? undefined : PROVIDERS[body.provider],
      url: body.url,
      bucket: body.bucket,
      region: body.region,
      key: body.key,
      endpoint: body.endpoint,
      accessKeyId: body.accessKeyId,
      secretAccessKey: body.secretAccessKey,
    });
    return publicDestination(destination);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({ summary: 'Delete a destination' })
  @ApiParam(DESTINATION_ID)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  @ApiErrors({
    status: 409,
    description: '`destination_in_use`: an export schedule delivers to it (`details.scheduleIds` names them).',
  })
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await this.clients.destinations.deleteDestination({ appId: auth.app.id, id });
  }

  /** 200 with the destination when the check passes; a failed check is a 400 destination_invalid, recorded as lastCheck. */
  @Post(':id/check')
  @HttpCode(200)
  @RequirePrivileges('settings:write')
  @ApiKeyAuthDocs({ privileges: ['settings:write'] })
  @ApiOperation({
    summary: 'Check a destination',
    description: 'Lists the bucket with the stored credentials and records the outcome as `lastCheck`.',
  })
  @ApiParam(DESTINATION_ID)
  @ApiOkResponse({ type: DestinationDocs, description: 'The check passed; the destination with its new `lastCheck`.' })
  @ApiErrors({
    status: 400,
    description: '`destination_invalid`: the check failed (recorded as `lastCheck`); `details.reason` says why.',
  })
  @ApiErrors(404)
  @ApiErrors({ status: 409, description: SECRET_UNREADABLE })
  async check(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicDestination((await this.clients.destinations.checkDestination({ appId: auth.app.id, id })).destination);
  }
}

/** The contract's provider of a name the DTOs have checked. */
export function providerOf(name: string): destinationsV1.DestinationProvider {
  return PROVIDERS[name as DestinationProviderName] ?? DestinationProvider.DESTINATION_PROVIDER_UNSPECIFIED;
}

function providerName(provider: destinationsV1.DestinationProvider): string {
  return (Object.keys(PROVIDERS) as DestinationProviderName[]).find((name) => PROVIDERS[name] === provider) ?? 'unknown';
}

export function publicDestination(destination: destinationsV1.Destination | undefined) {
  if (!destination) throw new Error('service answered without a destination');
  const check = destination.lastCheck;
  return {
    id: destination.id,
    name: destination.name,
    provider: providerName(destination.provider),
    bucket: destination.bucket,
    region: destination.region,
    key: destination.key,
    endpoint: destination.endpoint,
    accessKeyId: destination.accessKeyId,
    createdAt: destination.createdAt?.toISOString() ?? null,
    updatedAt: destination.updatedAt?.toISOString() ?? null,
    lastCheck: check
      ? {
          at: check.at?.toISOString() ?? null,
          ok: check.ok,
          reason: REASONS[check.reason] ?? null,
          message: check.message || null,
        }
      : null,
  };
}
