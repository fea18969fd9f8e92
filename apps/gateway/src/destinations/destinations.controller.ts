import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { destinationsV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
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

/**
 * Destinations of the caller's app: its own S3-compatible storage, checked by listing the bucket before each
 * save. The secret access key is accepted here and never answered.
 */
@Controller('api/v1/destinations')
@UseGuards(ApiKeyGuard)
export class DestinationsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('settings:write')
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
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { destinations } = await this.clients.destinations.listDestinations({ appId: auth.app.id });
    return { destinations: destinations.map(publicDestination) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    return publicDestination((await this.clients.destinations.getDestination({ appId: auth.app.id, id })).destination);
  }

  @Patch(':id')
  @RequirePrivileges('settings:write')
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
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await this.clients.destinations.deleteDestination({ appId: auth.app.id, id });
  }

  /** 200 with the destination when the check passes; a failed check is a 400 destination_invalid, recorded as lastCheck. */
  @Post(':id/check')
  @HttpCode(200)
  @RequirePrivileges('settings:write')
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
