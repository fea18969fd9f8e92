import { Inject, Injectable } from '@nestjs/common';
import { OutboundPolicy } from '@exportd/outbound';
import { Clock, newId, SecretBox } from '@exportd/runtime';
import { awsUrlOf, DestinationLocation, DestinationProvider, LocationInput, parseLocation } from './destination-location';
import { DestinationRecord, DestinationRepository, LastCheckRecord } from './destination.repository';
import { DestinationStorage, DestinationTarget } from './destination-storage';
import {
  DestinationCheckReason,
  DestinationInUse,
  DestinationInvalid,
  DestinationNotFound,
  DestinationSecretUnreadable,
  InvalidDestinationInput,
} from './destinations.errors';
import { StorageFailure } from './storage-failure';

export const DESTINATIONS_OUTBOUND_POLICY = Symbol('DESTINATIONS_OUTBOUND_POLICY');

/** What a caller gives to describe a destination (aws: `url`; gcp and custom: bucket, region, key; custom: endpoint). */
export interface DestinationInput {
  name?: string;
  provider: DestinationProvider;
  url?: string;
  bucket?: string;
  region?: string;
  key?: string;
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A PATCH: the fields given replace the stored ones. */
export type DestinationPatch = Partial<DestinationInput>;

/** A checked destination with its secret sealed; what a holder (a destination record, the automatic export settings) stores. */
export interface SealedDestination extends DestinationLocation {
  accessKeyId: string;
  sealedSecret: string;
}

/** The public body of a destination: everything but the secret. */
export interface DestinationView {
  provider: DestinationProvider;
  bucket: string;
  region: string;
  key: string;
  endpoint: string;
  accessKeyId: string;
}

export interface DestinationCheckView {
  at: Date;
  ok: boolean;
  reason: DestinationCheckReason | null;
  message: string | null;
}

/** A stored destination as the API shows it. */
export interface StoredDestinationView extends DestinationView {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  lastCheck: DestinationCheckView;
}

const MAX_NAME = 200;
const MAX_ACCESS_KEY_ID = 256;
const MAX_SECRET = 1_024;

/**
 * Destinations: the customer's own S3-compatible storage. Every destination is checked by listing its bucket
 * under the prefix before it is saved (create, PATCH) and on demand; a failed check saves nothing.
 */
@Injectable()
export class DestinationsService {
  constructor(
    private readonly repository: DestinationRepository,
    private readonly storage: DestinationStorage,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    @Inject(DESTINATIONS_OUTBOUND_POLICY) private readonly policy: OutboundPolicy,
  ) {}

  /** Parses and checks (list under the prefix) without saving; throws destination_invalid with the reason. */
  async prepare(input: DestinationInput): Promise<SealedDestination> {
    const target = this.parse(input);
    await this.probe(target);
    return { ...locationOf(target), accessKeyId: target.accessKeyId, sealedSecret: this.secrets.seal(target.secretAccessKey) };
  }

  /** The public body of a sealed destination (no secret). */
  view(destination: SealedDestination): DestinationView {
    const { provider, bucket, region, key, endpoint, accessKeyId } = destination;
    return { provider, bucket, region, key, endpoint, accessKeyId };
  }

  /** The stored destination of the app, or DestinationNotFound. */
  async find(appId: string, id: string): Promise<SealedDestination & { id: string; name: string }> {
    const record = await this.record(appId, id);
    return {
      ...locationOf(record),
      accessKeyId: record.accessKeyId,
      sealedSecret: record.secret,
      id: record._id,
      name: record.name,
    };
  }

  async create(appId: string, input: DestinationInput): Promise<StoredDestinationView> {
    const sealed = await this.prepare(input);
    const now = this.clock.now();
    const record: DestinationRecord = {
      _id: newId('dst'),
      appId,
      name: nameOf(input.name, sealed),
      ...locationOf(sealed),
      accessKeyId: sealed.accessKeyId,
      secret: sealed.sealedSecret,
      createdAt: now,
      updatedAt: now,
      lastCheck: { at: now, ok: true, reason: null, message: null },
    };
    await this.repository.insert(record);
    return publicView(record);
  }

  async get(appId: string, id: string): Promise<StoredDestinationView> {
    return publicView(await this.record(appId, id));
  }

  async list(appId: string): Promise<StoredDestinationView[]> {
    return (await this.repository.list(appId)).map(publicView);
  }

  /** Merges the patch into the stored destination, checks the result, then saves every field of it at once. */
  async update(appId: string, id: string, patch: DestinationPatch): Promise<StoredDestinationView> {
    const stored = await this.record(appId, id);
    const secretAccessKey = patch.secretAccessKey ?? this.open(stored);
    const merged: DestinationInput = {
      ...mergedLocation(stored, patch),
      accessKeyId: patch.accessKeyId ?? stored.accessKeyId,
      secretAccessKey,
    };
    const target = this.parse(merged);
    await this.probe(target);
    const now = this.clock.now();
    const saved = await this.repository.replaceSettings(appId, id, {
      name: patch.name !== undefined ? nameOf(patch.name, target) : stored.name,
      ...locationOf(target),
      accessKeyId: target.accessKeyId,
      secret: patch.secretAccessKey !== undefined ? this.secrets.seal(secretAccessKey) : stored.secret,
      updatedAt: now,
      lastCheck: { at: now, ok: true, reason: null, message: null },
    });
    if (!saved) throw new DestinationNotFound(id);
    return publicView(saved);
  }

  /** Refused (409) while an export schedule delivers into the destination. */
  async delete(appId: string, id: string): Promise<void> {
    await this.record(appId, id);
    const users = await this.repository.schedulesUsing(appId, id);
    if (users.length > 0) throw new DestinationInUse(id, users);
    if (!(await this.repository.delete(appId, id))) throw new DestinationNotFound(id);
  }

  /** Checks the stored destination again and records the outcome; a failed check is destination_invalid. */
  async check(appId: string, id: string): Promise<StoredDestinationView> {
    const record = await this.record(appId, id);
    const target: DestinationTarget = {
      ...locationOf(record),
      accessKeyId: record.accessKeyId,
      secretAccessKey: this.open(record),
    };
    let lastCheck: LastCheckRecord = { at: this.clock.now(), ok: true, reason: null, message: null };
    let failure: DestinationInvalid | undefined;
    try {
      await this.probe(target);
    } catch (error) {
      if (!(error instanceof DestinationInvalid)) throw error;
      failure = error;
      lastCheck = { at: this.clock.now(), ok: false, reason: error.reason, message: error.message };
    }
    const recorded = await this.repository.recordCheck(appId, id, record.updatedAt, lastCheck);
    if (failure) throw failure;
    // A PATCH saved meanwhile (with a check of its own): answer the destination as it now is.
    return recorded ? publicView({ ...record, lastCheck }) : this.get(appId, id);
  }

  private async record(appId: string, id: string): Promise<DestinationRecord> {
    const record = await this.repository.find(appId, id);
    if (!record) throw new DestinationNotFound(id);
    return record;
  }

  private open(record: DestinationRecord): string {
    try {
      return this.secrets.open(record.secret);
    } catch {
      throw new DestinationSecretUnreadable(`destination ${record._id}`);
    }
  }

  /** The domain rules on what a caller gives: the provider's location rules, then the credentials. */
  private parse(input: DestinationInput): DestinationTarget {
    if (!(['aws', 'gcp', 'custom'] as unknown[]).includes(input.provider)) {
      throw new InvalidDestinationInput('provider', 'provider must be aws, gcp or custom');
    }
    const location = parseLocation(input, this.policy);
    const accessKeyId = (input.accessKeyId ?? '').trim();
    if (!accessKeyId || accessKeyId.length > MAX_ACCESS_KEY_ID || /\s/.test(accessKeyId)) {
      throw new InvalidDestinationInput('accessKeyId', `accessKeyId must be 1 to ${MAX_ACCESS_KEY_ID} characters without spaces`);
    }
    const secretAccessKey = input.secretAccessKey ?? '';
    if (!secretAccessKey || secretAccessKey.length > MAX_SECRET) {
      throw new InvalidDestinationInput('secretAccessKey', `secretAccessKey must be 1 to ${MAX_SECRET} characters`);
    }
    if (input.name !== undefined && input.name.trim().length > MAX_NAME) {
      throw new InvalidDestinationInput('name', `name must be at most ${MAX_NAME} characters`);
    }
    return { ...location, accessKeyId, secretAccessKey };
  }

  private async probe(target: DestinationTarget): Promise<void> {
    try {
      await this.storage.probe(target);
    } catch (error) {
      if (error instanceof StorageFailure) throw new DestinationInvalid(error.reason, error.message);
      throw error;
    }
  }
}

function locationOf(destination: DestinationLocation): DestinationLocation {
  const { provider, bucket, region, key, endpoint } = destination;
  return { provider, bucket, region, key, endpoint };
}

/** A destination without a name is called after where it writes. */
function nameOf(name: string | undefined, location: DestinationLocation): string {
  const trimmed = (name ?? '').trim();
  if (trimmed) return trimmed;
  return location.key ? `${location.bucket}/${location.key}` : location.bucket;
}

/**
 * The location after a PATCH: the fields given over the stored ones. Another provider starts from nothing
 * (its location must be given whole); an aws destination keeps its URL unless a new one is given.
 */
function mergedLocation(stored: DestinationRecord, patch: DestinationPatch): LocationInput {
  const provider = patch.provider ?? stored.provider;
  const given: LocationInput = {
    provider,
    url: patch.url,
    bucket: patch.bucket,
    region: patch.region,
    key: patch.key,
    endpoint: patch.endpoint,
  };
  if (provider !== stored.provider) return given;
  if (provider === 'aws') return { ...given, url: patch.url ?? awsUrlOf(stored) };
  return {
    ...given,
    bucket: patch.bucket ?? stored.bucket,
    region: patch.region ?? stored.region,
    key: patch.key ?? stored.key,
    endpoint: provider === 'custom' ? (patch.endpoint ?? stored.endpoint) : patch.endpoint,
  };
}

function publicView(record: DestinationRecord): StoredDestinationView {
  return {
    id: record._id,
    name: record.name,
    provider: record.provider,
    bucket: record.bucket,
    region: record.region,
    key: record.key,
    endpoint: record.endpoint,
    accessKeyId: record.accessKeyId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastCheck: { ...record.lastCheck },
  };
}
