/**
 * The API a job was created through: the Bulk Data Export API (seed 002), on-demand exports (seed 003) or the
 * Coveo-compatible exports (seed 004).
 */
export type ExportApi = 'bulk' | 'on_demand' | 'coveo';

/** Retention rules of export jobs; every instant comes from the injected clock. */
export interface RetentionConfig {
  /** Download links of Bulk API jobs (seed 002: 2 days). */
  linkTtlSeconds: number;
  /** Download links of on-demand and Coveo jobs (seed 003: 7 days, the SigV4 maximum); the Bulk API's when absent. */
  onDemandLinkTtlSeconds?: number;
  jobRetentionSeconds: number;
}

export class RetentionPolicy {
  constructor(private readonly config: RetentionConfig) {}

  /** Job information is shown until this instant (creation + 3 days by default), then answers 404. */
  visibleUntil(createdAt: Date): Date {
    return new Date(createdAt.getTime() + this.config.jobRetentionSeconds * 1000);
  }

  isVisible(createdAt: Date, now: Date): boolean {
    return now.getTime() < this.visibleUntil(createdAt).getTime();
  }

  /**
   * Download links are signed at the job's end and valid for the link TTL of the job's API (2 days for the
   * Bulk API, 7 days on demand, by default).
   */
  linksExpireAt(finishedAt: Date, api: string): Date {
    return new Date(finishedAt.getTime() + this.linkTtlSeconds(api) * 1000);
  }

  linksValid(finishedAt: Date, now: Date, api: string): boolean {
    return now.getTime() < this.linksExpireAt(finishedAt, api).getTime();
  }

  /** The validity of a job's presigned links, by the API that created it (Bulk API for anything else). */
  linkTtlSeconds(api: string): number {
    // Coveo's exports are on-demand ones too: the same TTL.
    if (api === 'on_demand' || api === 'coveo') return this.config.onDemandLinkTtlSeconds ?? this.config.linkTtlSeconds;
    return this.config.linkTtlSeconds;
  }
}
