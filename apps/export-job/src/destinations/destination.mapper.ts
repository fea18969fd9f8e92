import { destinationsV1 } from '@exportd/contracts';
import { DestinationProvider } from './destination-location';
import { DestinationCheckReason, InvalidDestinationInput } from './destinations.errors';
import { DestinationInput, DestinationPatch, StoredDestinationView } from './destinations.service';

const { DestinationProvider: ProtoProvider, DestinationCheckReason: ProtoReason } = destinationsV1;

const PROVIDERS: Record<DestinationProvider, destinationsV1.DestinationProvider> = {
  aws: ProtoProvider.DESTINATION_PROVIDER_AWS,
  gcp: ProtoProvider.DESTINATION_PROVIDER_GCP,
  custom: ProtoProvider.DESTINATION_PROVIDER_CUSTOM,
};

const REASONS: Record<DestinationCheckReason, destinationsV1.DestinationCheckReason> = {
  invalid_url: ProtoReason.DESTINATION_CHECK_REASON_INVALID_URL,
  invalid_access_key: ProtoReason.DESTINATION_CHECK_REASON_INVALID_ACCESS_KEY,
  signature_mismatch: ProtoReason.DESTINATION_CHECK_REASON_SIGNATURE_MISMATCH,
  no_such_bucket: ProtoReason.DESTINATION_CHECK_REASON_NO_SUCH_BUCKET,
  access_denied: ProtoReason.DESTINATION_CHECK_REASON_ACCESS_DENIED,
  unreachable: ProtoReason.DESTINATION_CHECK_REASON_UNREACHABLE,
  forbidden_address: ProtoReason.DESTINATION_CHECK_REASON_FORBIDDEN_ADDRESS,
};

export function providerFromProto(provider: destinationsV1.DestinationProvider): DestinationProvider {
  const found = (Object.keys(PROVIDERS) as DestinationProvider[]).find((name) => PROVIDERS[name] === provider);
  if (!found) throw new InvalidDestinationInput('provider', 'provider must be aws, gcp or custom');
  return found;
}

export function providerToProto(provider: DestinationProvider): destinationsV1.DestinationProvider {
  return PROVIDERS[provider];
}

/** Empty proto strings mean "not given". */
function optional(value: string | undefined): string | undefined {
  return value ? value : undefined;
}

/** A destination described in a request (also embedded by other requests that hold a destination). */
export function destinationInputFromProto(input: destinationsV1.DestinationInput | undefined): DestinationInput {
  if (!input) throw new InvalidDestinationInput('destination', 'a destination is required');
  return {
    name: optional(input.name),
    provider: providerFromProto(input.provider),
    url: optional(input.url),
    bucket: optional(input.bucket),
    region: optional(input.region),
    key: optional(input.key),
    endpoint: optional(input.endpoint),
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
  };
}

/** Unset optional fields are absent; a set one (even empty, like `key: ""` for the bucket's root) replaces. */
export function patchFromProto(request: destinationsV1.UpdateDestinationRequest): DestinationPatch {
  const patch: DestinationPatch = {};
  if (request.name !== undefined) patch.name = request.name;
  if (request.provider !== undefined) patch.provider = providerFromProto(request.provider);
  for (const field of ['url', 'bucket', 'region', 'key', 'endpoint', 'accessKeyId', 'secretAccessKey'] as const) {
    const value = request[field];
    if (value !== undefined) patch[field] = value;
  }
  return patch;
}

export function destinationToProto(destination: StoredDestinationView): destinationsV1.Destination {
  const { lastCheck } = destination;
  return {
    id: destination.id,
    name: destination.name,
    provider: providerToProto(destination.provider),
    bucket: destination.bucket,
    region: destination.region,
    key: destination.key,
    endpoint: destination.endpoint,
    accessKeyId: destination.accessKeyId,
    createdAt: destination.createdAt,
    updatedAt: destination.updatedAt,
    lastCheck: {
      at: lastCheck.at,
      ok: lastCheck.ok,
      reason: lastCheck.reason ? REASONS[lastCheck.reason] : ProtoReason.DESTINATION_CHECK_REASON_UNSPECIFIED,
      message: lastCheck.message ?? '',
    },
  };
}
