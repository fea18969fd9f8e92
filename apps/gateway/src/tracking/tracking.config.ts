import { env, EnvOf, loadEnvOrExit, readEnv } from '@exportd/config';

/** Limits and batching of the Tracking API (read once at boot, with the gateway's other variables). */
export const trackingEnvSchema = {
  TRACKING_MAX_CALL_BYTES: env.int('largest body of one tracking call, in bytes (413 above)', 32 * 1024, 256),
  TRACKING_MAX_BULK_BYTES: env.int('largest body of one /bulk request, in bytes (413 above)', 500 * 1024, 1024),
  TRACKING_MAX_BULK_CALLS: env.int('most calls in one /bulk request (413 above)', 2_500, 1),
  TRACKING_BATCH_WINDOW_MS: env.int(
    'how long concurrent single calls of one app are gathered before they are stored',
    3,
    0,
    1_000,
  ),
  TRACKING_BATCH_MAX_CALLS: env.int('most calls in one gathered batch (flushed at once when reached)', 500, 1, 10_000),
  TRACKING_STORE_TIMEOUT_MS: env.int(
    'how long the gateway waits for ingestion to store a batch (the Track call deadline; ingestion stores nothing it cannot answer within it)',
    30_000,
    100,
  ),
  TRACKING_KEY_CACHE_MS: env.int('how long a tracking key lookup is cached in the gateway', 30_000, 0),
};

export type TrackingConfig = EnvOf<typeof trackingEnvSchema>;

export const TRACKING_CONFIG = Symbol('TRACKING_CONFIG');

let cached: TrackingConfig | undefined;

/** The Tracking API's settings; with invalid values the gateway lists them and exits 1, like its other variables. */
export function trackingConfig(source: NodeJS.ProcessEnv = process.env): TrackingConfig {
  if (source !== process.env) return readEnv(trackingEnvSchema, source);
  cached ??= loadEnvOrExit(trackingEnvSchema, 'gateway');
  return cached;
}

/** Field limits of a tracking call: a request over any of them is a 400 naming the field. */
export const CALL_LIMITS = {
  /** userId, companyId, featureId, messageId, event name. */
  idLength: 256,
  eventLength: 256,
  commentLength: 4_096,
  /** Feedback's question and promptedQuestion (Bucket's SDK). */
  questionLength: 2_048,
  /** Feedback's source, e.g. `sdk`, `widget`, `prompt`. */
  sourceLength: 64,
  /** Page views: url, path and referrer. */
  urlLength: 8_192,
  /** Page views: the page's title (or a screen's name). */
  titleLength: 2_048,
  attributeKeyLength: 256,
  attributeStringLength: 4_096,
  /** Keys of the `attributes` object itself. */
  attributeCount: 100,
  /** Levels of nesting below `attributes` (an object or array inside attributes is level 1). */
  attributeDepth: 5,
  /** Every key and array element at any level below `attributes`. */
  attributeNodes: 1_000,
} as const;
