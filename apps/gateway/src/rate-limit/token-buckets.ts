/** What a `take` answers: admitted, or refused with the whole seconds to wait before the same request fits. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** Monotonic ms of the last refill. */
  at: number;
}

/** Entries kept at most; above it, buckets that have refilled completely are forgotten (they start full anyway). */
const DEFAULT_MAX_KEYS = 100_000;

/**
 * Token buckets, one per key: each holds at most `burst` tokens and refills at `ratePerSecond`; a request
 * costs `cost` tokens (a bulk request its number of calls). A request is admitted when the bucket holds
 * min(cost, burst) tokens, and then takes its whole cost: a request larger than the burst needs a full bucket
 * and leaves it in debt, so the average rate holds even for large requests. In memory, per process: with
 * several gateway replicas each one limits on its own. `now` is a monotonic clock in milliseconds (injected
 * by tests). A rate of 0 turns the limit off.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    if (ratePerSecond > 0 && burst < 1) throw new Error('a token bucket needs a burst of at least 1');
  }

  take(key: string, cost = 1): TakeResult {
    if (this.ratePerSecond <= 0) return { ok: true };
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.forgetFull(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      this.refill(bucket, now);
    }
    const needed = Math.min(Math.max(cost, 0), this.burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    const waitMs = ((needed - bucket.tokens) / this.ratePerSecond) * 1000;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Keys currently tracked (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed / 1000) * this.ratePerSecond);
    bucket.at = now;
  }

  /**
   * Drops the buckets that are full again (they would start full anyway); if that leaves more than 90% of
   * the room taken (a flood of new keys), the longest-known ones too, so the scan runs rarely.
   */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.burst) this.buckets.delete(key);
    }
    const target = Math.floor(this.maxKeys * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}
