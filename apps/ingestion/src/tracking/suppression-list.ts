import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { createHmac, randomBytes } from 'node:crypto';
import { SuppressionRepository } from './suppression.repository';

/** How old this process's copy of an app's suppressions may get before it is read again (other replicas' erasures). */
const REFRESH_MS = 5_000;

interface AppSuppressions {
  salt?: string;
  /** Only grows: suppressions are never lifted, so a refresh adds what it read and drops nothing. */
  hashes: Set<string>;
  loadedAt: number;
  refreshing?: Promise<void>;
}

/**
 * The users whose calls are refused (answered, not stored), known only by a salted hash of their id
 * (HMAC-SHA256 under a random per-app salt): no document holds an erased user's id. Kept in memory per app,
 * read on first use, refreshed in the background every few seconds, and updated at once by this process's
 * erasures.
 */
@Injectable()
export class SuppressionList {
  private readonly logger = new Logger('suppressions');
  private readonly apps = new Map<string, AppSuppressions>();
  private readonly loading = new Map<string, Promise<AppSuppressions>>();

  constructor(
    private readonly repository: SuppressionRepository,
    private readonly clock: Clock,
  ) {}

  /** Whether a user id of the app is suppressed, as a synchronous test (one round's calls are checked with it). */
  async matcher(appId: string): Promise<(userId: string) => boolean> {
    const entry = await this.entryOf(appId);
    const { salt, hashes } = entry;
    if (!salt || hashes.size === 0) return () => false;
    return (userId) => hashes.has(hashUserId(salt, userId));
  }

  /** The user's hash under the app's salt, claiming the salt on first use. */
  async userHash(appId: string, userId: string): Promise<string> {
    const entry = await this.entryOf(appId);
    entry.salt ??= await this.repository.claimSalt(appId, randomBytes(32).toString('base64'), this.clock.now());
    return hashUserId(entry.salt, userId);
  }

  isSuppressed(appId: string, userHash: string): Promise<boolean> {
    return this.repository.isSuppressed(appId, userHash);
  }

  /** Stores the suppression and refuses the user's calls in this process from now on; false if it was stored before. */
  async suppress(appId: string, userHash: string): Promise<boolean> {
    const added = await this.repository.insert(appId, userHash, this.clock.now());
    (await this.entryOf(appId)).hashes.add(userHash);
    return added;
  }

  private async entryOf(appId: string): Promise<AppSuppressions> {
    const entry = this.apps.get(appId);
    if (entry) {
      if (performance.now() - entry.loadedAt > REFRESH_MS) entry.refreshing ??= this.refresh(appId, entry);
      return entry;
    }
    let loading = this.loading.get(appId);
    if (!loading) {
      loading = this.read(appId).finally(() => this.loading.delete(appId));
      this.loading.set(appId, loading);
    }
    const loaded = await loading;
    // A concurrent first use may have stored its own copy: keep one.
    const kept = this.apps.get(appId) ?? loaded;
    this.apps.set(appId, kept);
    return kept;
  }

  private async read(appId: string): Promise<AppSuppressions> {
    const salt = await this.repository.findSalt(appId);
    const hashes = salt ? await this.repository.hashes(appId) : [];
    return { salt, hashes: new Set(hashes), loadedAt: performance.now() };
  }

  private async refresh(appId: string, entry: AppSuppressions): Promise<void> {
    try {
      const read = await this.read(appId);
      entry.salt ??= read.salt;
      for (const hash of read.hashes) entry.hashes.add(hash);
      entry.loadedAt = read.loadedAt;
    } catch (error) {
      // The copy stays as it was; the next round tries again.
      this.logger.error(`reading the suppressions of ${appId} failed: ${(error as Error).message}`);
    } finally {
      entry.refreshing = undefined;
    }
  }
}

export function hashUserId(salt: string, userId: string): string {
  return createHmac('sha256', Buffer.from(salt, 'base64')).update(userId).digest('hex');
}
