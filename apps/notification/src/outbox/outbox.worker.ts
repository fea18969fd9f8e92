import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, randomToken } from '@exportd/runtime';
import { Mailer } from '../email/mailer';
import { countOutboxBacklogWith, deliveryAttempts } from '../metrics';
import { OutboundHttp } from '../outbound/outbound-http';
import { OUTBOX_OPTIONS, OutboxOptions, RETRY_SCHEDULE } from '../outbound/outbound.tokens';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { webhookHeaders } from '../webhooks/webhook-signer';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { AttemptRecord, DeliveryDoc, DeliveryRepository, DeliveryState } from './delivery.repository';
import { defaultJitter, Jitter, nextAttemptAt, parseRetryAfter } from './retry-schedule';

/** Longer than the 15 s webhook limit and a slow SMTP exchange: a claim outlives the attempt it covers. */
export const LEASE_MS = 60_000;

interface Outcome {
  statusCode: number | null;
  error: string | null;
  success: boolean;
  /** No retry makes sense (410 Gone). */
  final: boolean;
  retryAfterMs?: number;
}

/**
 * Sends due deliveries from the outbox. Several notification processes may run: each claims a delivery with
 * a lease (a unique-insert claim, see DeliveryRepository.claimDue), checks it against its attempt records,
 * sends it, appends the attempt and schedules the next one. A process that dies mid-attempt leaves a lease
 * that expires, and another worker tries again (same webhook-id / Message-ID); if the first one was only
 * slow, both attempts are recorded and the delivery's state is decided from both.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('outbox');
  private readonly owner = randomToken(8);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling = false;
  private readonly inFlight = new Set<Promise<void>>();
  jitter: Jitter = defaultJitter;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly endpointsService: WebhookEndpointsService,
    private readonly mailer: Mailer,
    private readonly http: OutboundHttp,
    private readonly clock: Clock,
    @Inject(RETRY_SCHEDULE) private readonly schedule: number[],
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxOptions,
  ) {}

  onApplicationBootstrap(): void {
    countOutboxBacklogWith(() => this.deliveries.countPending());
    this.schedulePoll(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
    this.mailer.close();
  }

  private schedulePoll(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll().finally(() => this.schedulePoll(this.options.pollIntervalMs)), delayMs);
  }

  /** Claims due deliveries up to the concurrency limit and starts them; returns how many it started. */
  async poll(): Promise<number> {
    if (this.polling) return 0;
    this.polling = true;
    let started = 0;
    try {
      while (!this.stopped && this.inFlight.size < this.options.concurrency) {
        const now = this.clock.now();
        const token = `${this.owner}.${randomToken(12)}`;
        const delivery = await this.deliveries.claimDue(now, new Date(now.getTime() + LEASE_MS), token, LEASE_MS);
        if (!delivery) break;
        const work = this.attempt(delivery, token).catch((error: unknown) =>
          this.logger.error(`delivery ${delivery._id}: ${(error as Error).stack ?? String(error)}`),
        );
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
        started++;
      }
    } catch (error) {
      this.logger.warn(`polling the outbox failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
    return started;
  }

  /** Waits for the attempts in flight (tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async attempt(delivery: DeliveryDoc, token: string): Promise<void> {
    const state = await this.deliveries.stateOf(delivery);
    if (behind(delivery, state)) {
      // The claimed copy is older than the attempt records (another worker's attempt landed after a lease ran
      // out): bring it up to date instead of sending again.
      return this.deliveries.saveState(delivery, token, state);
    }
    const started = this.clock.now();
    let outcome: Outcome;
    if (delivery.channel === 'email') {
      outcome = await this.sendEmail(delivery);
    } else {
      const endpoint = delivery.endpointId ? await this.endpoints.find(delivery.appId, delivery.endpointId) : null;
      if (!endpoint) return this.abandon(delivery, token, started, 'the webhook endpoint was deleted');
      if (endpoint.disabled) {
        return this.abandon(
          delivery,
          token,
          started,
          `the webhook endpoint is disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}`,
        );
      }
      const body = delivery.webhookBody ?? '';
      const timestamp = Math.floor(started.getTime() / 1000);
      const headers = webhookHeaders(this.endpointsService.signingSecrets(endpoint), delivery._id, timestamp, body);
      const answer = await this.http.post(endpoint.url, headers, body);
      outcome = classify(answer.statusCode, answer.error, answer.retryAfter, started);
      if (answer.statusCode === 410) {
        await this.endpointsService.disableGone(
          delivery.appId,
          endpoint._id,
          endpoint.url,
          `the receiver answered 410 Gone to delivery ${delivery._id} at ${started.toISOString()}`,
        );
      }
    }
    const finished = this.clock.now();
    const attempt: AttemptRecord = {
      at: started,
      statusCode: outcome.statusCode,
      error: outcome.error,
      durationMs: finished.getTime() - started.getTime(),
    };
    const attemptsMade = state.attemptCount + 1;
    const next =
      outcome.success || outcome.final
        ? null
        : nextAttemptAt(this.schedule, attemptsMade, finished, outcome.retryAfterMs, this.jitter);
    const status = outcome.success ? 'delivered' : next ? 'pending' : 'failed';
    const after = await this.deliveries.recordAttempt(delivery, token, { attempt, status, nextAttemptAt: next });
    deliveryAttempts.inc({ channel: delivery.channel, outcome: status === 'pending' ? 'retry' : status });
    if (status === 'failed' && after.status === 'failed') {
      this.logger.warn(
        `delivery ${delivery._id} (${delivery.channel}) failed for good after ${after.attemptCount} attempts: ${outcome.error}`,
      );
    }
  }

  /** Ends a claimed delivery without an attempt (its endpoint was deleted or disabled). */
  private async abandon(delivery: DeliveryDoc, token: string, at: Date, reason: string): Promise<void> {
    await this.deliveries.recordAttempt(
      delivery,
      token,
      { attempt: { at, statusCode: null, error: reason, durationMs: 0 }, status: 'failed', nextAttemptAt: null },
      true,
    );
    deliveryAttempts.inc({ channel: delivery.channel, outcome: 'abandoned' });
  }

  private async sendEmail(delivery: DeliveryDoc): Promise<Outcome> {
    if (!delivery.email) return { statusCode: null, error: 'the delivery has no email content', success: false, final: true };
    try {
      await this.mailer.send({ to: delivery.recipient, ...delivery.email, messageId: `<${delivery._id}@exportd>` });
      return { statusCode: null, error: null, success: true, final: false };
    } catch (error) {
      return { statusCode: null, error: `SMTP: ${(error as Error).message}`, success: false, final: false };
    }
  }
}

/**
 * Whether the claimed copy of a delivery's state is behind its attempt records (they only grow, so a copy
 * that counts fewer attempts, or says pending when they ended it, is older than them).
 */
function behind(claimed: DeliveryDoc, state: DeliveryState): boolean {
  return state.status !== 'pending' || state.attemptCount !== claimed.attemptCount;
}

function classify(statusCode: number | undefined, error: string | undefined, retryAfter: string | undefined, now: Date): Outcome {
  if (statusCode === undefined) return { statusCode: null, error: error ?? 'no answer', success: false, final: false };
  if (statusCode >= 200 && statusCode < 300) return { statusCode, error: null, success: true, final: false };
  if (statusCode === 410)
    return { statusCode, error: 'the receiver answered 410 Gone; the endpoint is now disabled', success: false, final: true };
  const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
  return {
    statusCode,
    error: `the receiver answered HTTP ${statusCode}${redirect}`,
    success: false,
    final: false,
    retryAfterMs: parseRetryAfter(retryAfter, now),
  };
}
