import { Inject, Injectable } from '@nestjs/common';
import { OutboundPolicy } from '@exportd/outbound';
import { Clock, newId, SecretBox } from '@exportd/runtime';
import { checkWebhookUrl } from '../outbound/outbound-http';
import { OUTBOUND_POLICY } from '../outbound/outbound.tokens';
import { WebhookEndpointChanges, WebhookEndpointRecord, WebhookEndpointRepository } from './webhook-endpoint.repository';
import { InvalidWebhookInput, WebhookEndpointNotFound, WebhookUrlNotAllowed } from './webhook-endpoints.errors';
import { isWebhookEventType, SCHEDULE_ENDPOINT_EVENT_TYPES, WEBHOOK_EVENT_TYPES } from './webhook-event-types';
import { newWebhookSecret } from './webhook-signer';

/** How long the secret before a rotation keeps signing, so receivers can switch without losing deliveries. */
export const PREVIOUS_SECRET_VALIDITY_MS = 24 * 3_600_000;
const MAX_URL_LENGTH = 2_048;
const MAX_SCHEDULE_ID_LENGTH = 200;

/**
 * Webhook endpoints: registration (URL checked against the outbound policy), updates, secrets and rotation.
 * An endpoint belongs to the app or to one of its schedules (`scheduleId`, export-job's); every method but
 * `create` takes the owner's schedule id ('' for the app) and finds only endpoints of that owner, so a
 * schedule's endpoint is not part of the app's webhook API.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly repository: WebhookEndpointRepository,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    @Inject(OUTBOUND_POLICY) private readonly policy: OutboundPolicy,
  ) {}

  async create(
    appId: string,
    url: string,
    eventTypes: string[],
    scheduleId = '',
  ): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    await this.checkUrl(url);
    if (scheduleId.length > MAX_SCHEDULE_ID_LENGTH)
      throw new InvalidWebhookInput('scheduleId', `must be at most ${MAX_SCHEDULE_ID_LENGTH} characters`);
    const now = this.clock.now();
    const secret = newWebhookSecret();
    const endpoint: WebhookEndpointRecord = {
      _id: newId('whk'),
      appId,
      url,
      eventTypes: this.checkEventTypes(scheduleId && eventTypes.length === 0 ? SCHEDULE_ENDPOINT_EVENT_TYPES : eventTypes),
      scheduleId: scheduleId || null,
      disabled: false,
      disabledReason: null,
      disabledAt: null,
      secret: this.secrets.seal(secret),
      previousSecret: null,
      previousSecretExpiresAt: null,
      secretRotatedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.insert(endpoint);
    return { endpoint, secret };
  }

  /** The endpoint when `scheduleId` owns it ('' for the app's own); another owner's is not found. */
  async get(appId: string, id: string, scheduleId = ''): Promise<WebhookEndpointRecord> {
    const endpoint = await this.repository.find(appId, id);
    if (!endpoint || (endpoint.scheduleId ?? '') !== scheduleId) throw new WebhookEndpointNotFound(id);
    return endpoint;
  }

  list(appId: string, scheduleId = ''): Promise<WebhookEndpointRecord[]> {
    return this.repository.list(appId, scheduleId || null);
  }

  async update(
    appId: string,
    id: string,
    changes: { url?: string; eventTypes?: string[]; disabled?: boolean },
    scheduleId = '',
  ): Promise<WebhookEndpointRecord> {
    // The owner is checked on the newest version; no version ever changes it, so the write below keeps it.
    await this.get(appId, id, scheduleId);
    const now = this.clock.now();
    const update: WebhookEndpointChanges = { updatedAt: now };
    if (changes.url !== undefined) {
      await this.checkUrl(changes.url);
      update.url = changes.url;
    }
    if (changes.eventTypes !== undefined && changes.eventTypes.length > 0)
      update.eventTypes = this.checkEventTypes(changes.eventTypes);
    if (changes.disabled !== undefined) {
      update.disabled = changes.disabled;
      update.disabledReason = changes.disabled ? 'disabled through the API' : null;
      update.disabledAt = changes.disabled ? now : null;
    }
    // The fields the caller sent replace those of the newest version (last writer wins per field).
    const updated = await this.repository.update(appId, id, () => update);
    if (!updated) throw new WebhookEndpointNotFound(id);
    return updated;
  }

  async delete(appId: string, id: string, scheduleId = ''): Promise<void> {
    await this.get(appId, id, scheduleId);
    if (!(await this.repository.delete(appId, id))) throw new WebhookEndpointNotFound(id);
  }

  /**
   * A new secret; the one it replaces keeps signing (a second signature) for 24 hours. The replaced secret is
   * read from the version the new one is written over, so of two concurrent rotations the second keeps the
   * first one's secret as the previous one.
   */
  async rotateSecret(appId: string, id: string, scheduleId = ''): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    await this.get(appId, id, scheduleId);
    const now = this.clock.now();
    const secret = newWebhookSecret();
    const sealed = this.secrets.seal(secret);
    const endpoint = await this.repository.update(appId, id, (current) => ({
      secret: sealed,
      previousSecret: current.secret,
      previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_VALIDITY_MS),
      secretRotatedAt: now,
      updatedAt: now,
    }));
    if (!endpoint) throw new WebhookEndpointNotFound(id);
    return { endpoint, secret };
  }

  /** The plaintext secrets that sign a delivery now: the current one, and the previous one while still valid. */
  signingSecrets(endpoint: WebhookEndpointRecord): string[] {
    const secrets = [this.secrets.open(endpoint.secret)];
    if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > this.clock.now()) {
      secrets.push(this.secrets.open(endpoint.previousSecret));
    }
    return secrets;
  }

  /**
   * Turns an endpoint off after its receiver at `url` answered 410 Gone; not when the user has moved the
   * endpoint to another URL meanwhile (the 410 is about the old one), nor when it is off already (several
   * deliveries may meet the 410 at once). Decided on the newest version.
   */
  async disableGone(appId: string, id: string, url: string, reason: string): Promise<void> {
    const now = this.clock.now();
    await this.repository.update(appId, id, (current) =>
      current.url === url && !current.disabled
        ? { disabled: true, disabledReason: reason, disabledAt: now, updatedAt: now }
        : null,
    );
  }

  private async checkUrl(url: string): Promise<void> {
    if (url.length > MAX_URL_LENGTH) throw new InvalidWebhookInput('url', `must be at most ${MAX_URL_LENGTH} characters`);
    const refusal = await checkWebhookUrl(url, this.policy);
    if (refusal) throw new WebhookUrlNotAllowed(refusal);
  }

  private checkEventTypes(eventTypes: string[]): string[] {
    const unknown = eventTypes.filter((t) => !isWebhookEventType(t));
    if (eventTypes.length === 0 || unknown.length > 0) {
      throw new InvalidWebhookInput('eventTypes', `must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
    return [...new Set(eventTypes)];
  }
}
