/** Retention rules of export jobs; every instant comes from the injected clock. */
export interface RetentionConfig {
  linkTtlSeconds: number;
  jobRetentionSeconds: number;
  fileRetentionSeconds: number;
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

  /** Download links are signed at the job's end and valid for the link TTL (2 days by default). */
  linksExpireAt(finishedAt: Date): Date {
    return new Date(finishedAt.getTime() + this.config.linkTtlSeconds * 1000);
  }

  linksValid(finishedAt: Date, now: Date): boolean {
    return now.getTime() < this.linksExpireAt(finishedAt).getTime();
  }

  /** Files are deleted by the sweeper from this instant (creation + 7 days by default). */
  filesDeleteAt(createdAt: Date): Date {
    return new Date(createdAt.getTime() + this.config.fileRetentionSeconds * 1000);
  }

  get linkTtlSeconds(): number {
    return this.config.linkTtlSeconds;
  }
}
