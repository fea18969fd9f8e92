import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { tenancy } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { Clock } from '@exportd/runtime';
import { errorBody } from '../errors/http-error.filter';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { TRACKING_CONFIG, TrackingConfig } from './tracking.config';

interface Entry {
  app: Promise<tenancy.App>;
  expiresAt: number;
}

/** Unknown tracking keys are remembered this long (a key never becomes valid later: keys are random). */
const UNKNOWN_KEY_CACHE_MS = 2_000;
const MAX_ENTRIES = 10_000;

/**
 * Tracking key -> app, cached briefly: the key is public and never revoked, so a short cache only delays a
 * plan change, and saves one gRPC call per tracking request. Concurrent lookups of one key share one call.
 */
@Injectable()
export class TrackingKeyResolver {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clients: ServiceClients,
    private readonly clock: Clock,
    @Inject(TRACKING_CONFIG) private readonly config: TrackingConfig,
  ) {}

  resolve(trackingKey: string): Promise<tenancy.App> {
    const now = this.clock.now().getTime();
    const cached = this.entries.get(trackingKey);
    if (cached && cached.expiresAt > now) return cached.app;
    const app = this.lookUp(trackingKey);
    if (this.config.TRACKING_KEY_CACHE_MS > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      const entry: Entry = { app, expiresAt: now + this.config.TRACKING_KEY_CACHE_MS };
      this.entries.set(trackingKey, entry);
      app.catch((error: unknown) => {
        // Only "unknown key" is worth remembering (briefly); transport faults are retried on the next call.
        if (error instanceof UnauthorizedException)
          entry.expiresAt = now + Math.min(UNKNOWN_KEY_CACHE_MS, this.config.TRACKING_KEY_CACHE_MS);
        else if (this.entries.get(trackingKey) === entry) this.entries.delete(trackingKey);
      });
    }
    return app;
  }

  private async lookUp(trackingKey: string): Promise<tenancy.App> {
    try {
      const answer = await this.clients.apps.authenticateTrackingKey({ trackingKey });
      if (!answer.app) throw new Error('service answered without an app');
      return answer.app;
    } catch (error) {
      if (fromGrpcError(error).httpStatus === 401) {
        throw new UnauthorizedException(errorBody(401, 'invalid_tracking_key', 'unknown tracking key: check the key in the URL'));
      }
      throw error;
    }
  }
}
