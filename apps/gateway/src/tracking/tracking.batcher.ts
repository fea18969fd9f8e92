import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { tracking } from '@exportd/contracts';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { TRACKING_CONFIG, TrackingConfig } from './tracking.config';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Pending {
  calls: tracking.TrackingCall[];
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
}

/**
 * Gathers the single calls of one app that arrive within a few milliseconds into one `Track` gRPC call
 * (one insertMany/bulkWrite downstream instead of one per request). Each caller's promise settles only when
 * its batch is stored (or failed), so a 200 always means "stored".
 */
@Injectable()
export class TrackingBatcher implements OnApplicationShutdown {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clients: ServiceClients,
    @Inject(TRACKING_CONFIG) private readonly config: TrackingConfig,
  ) {}

  /** Stores `calls` of `appId` together with other calls arriving at the same time. */
  submit(appId: string, calls: tracking.TrackingCall[]): Promise<void> {
    if (this.config.TRACKING_BATCH_WINDOW_MS === 0 || calls.length >= this.config.TRACKING_BATCH_MAX_CALLS) {
      return this.store(appId, calls);
    }
    return new Promise<void>((resolve, reject) => {
      let batch = this.pending.get(appId);
      if (!batch) {
        batch = { calls: [], waiters: [] };
        this.pending.set(appId, batch);
        const started = batch;
        started.timer = setTimeout(() => this.flush(appId, started), this.config.TRACKING_BATCH_WINDOW_MS);
      }
      batch.calls.push(...calls);
      batch.waiters.push({ resolve, reject });
      if (batch.calls.length >= this.config.TRACKING_BATCH_MAX_CALLS) this.flush(appId, batch);
    });
  }

  /**
   * Stores a batch at once (a /bulk request is already one). Ingestion reads the deadline and stores nothing
   * it could not answer before it, so an error answer means nothing is stored, except a deadline passed or a
   * connection dropped in flight, which the error map answers as `outcome_unknown`.
   */
  async store(appId: string, calls: tracking.TrackingCall[]): Promise<void> {
    await this.clients.tracking.track({ appId, calls }, { deadline: Date.now() + this.config.TRACKING_STORE_TIMEOUT_MS });
  }

  onApplicationShutdown(): void {
    for (const [appId, batch] of this.pending) this.flush(appId, batch);
  }

  private flush(appId: string, batch: Pending): void {
    if (this.pending.get(appId) === batch) this.pending.delete(appId);
    if (batch.timer) clearTimeout(batch.timer);
    this.store(appId, batch.calls).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (error: unknown) => batch.waiters.forEach((w) => w.reject(error)),
    );
  }
}
