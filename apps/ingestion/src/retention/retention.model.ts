/** How long an app's data is kept, in days (see privacy.v1.RetentionPolicy). */
export interface RetentionPolicy {
  rawEventsDays: number;
  aggregatesDays: number;
  exportFilesDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { rawEventsDays: 90, aggregatesDays: 730, exportFilesDays: 7 };

/** Inclusive bounds of each field. */
export const RETENTION_BOUNDS: Record<keyof RetentionPolicy, [number, number]> = {
  rawEventsDays: [1, 3650],
  aggregatesDays: [1, 3650],
  exportFilesDays: [1, 365],
};

export interface AppRetention {
  policy: RetentionPolicy;
  /** Nothing stored: the defaults. */
  isDefault: boolean;
  updatedAt?: Date;
  /** Days before which a sweep has deleted the raw calls / the aggregates (empty: none yet). */
  rawEventsDeletedBefore?: string;
  aggregatesDeletedBefore?: string;
}
