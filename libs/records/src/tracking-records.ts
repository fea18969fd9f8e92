/**
 * The raw collections ingestion writes and aggregation reads (read-only, for speed). Ingestion is their only
 * writer; this file is the one description of their shape. Every document carries its `appId`, and every
 * query filters on it.
 */

export const RAW_COLLECTIONS = {
  /** One document per accepted tracking call, any type. */
  calls: 'tracking_calls',
  /** One document per user: first/last seen, merged attributes, companies. */
  users: 'user_profiles',
  /** One document per company: first/last seen, merged attributes, users. */
  companies: 'company_profiles',
  /** Per app, company, event and UTC day: how many times the event happened. */
  usageDaily: 'usage_daily',
  /** Per app, company and UTC day: the company's merged attributes at the end of that day (after a company call). */
  companyAttributesDaily: 'company_attributes_daily',
  /** Per app and company: the days of each of its usage_daily counters, in one document (the company data export). */
  companyUsageDays: 'company_usage_days',
  /** Per app: its company_usage_days hold every counter (kept since the app was created, or filled in from usage_daily). */
  companyUsageDaysComplete: 'company_usage_days_complete',
} as const;

export type CallType = 'user' | 'company' | 'event' | 'feedback' | 'page';

/**
 * How each call type is named in exports (`event_type` of the Bulk Data Export API):
 * user -> identify_user, company -> identify_company, event -> track, feedback -> feedback, page -> page_view.
 * Seed 002's `track_feature` rows are derived (a `track` call matching a feature's event rule, see
 * aggregation's rows); its `interaction` (in-app experience interactions) has no source here.
 */
export const EXPORT_EVENT_TYPE: Record<CallType, string> = {
  user: 'identify_user',
  company: 'identify_company',
  event: 'track',
  feedback: 'feedback',
  page: 'page_view',
};

/** The Bulk API event type of the feature usage rows derived from `track` calls. */
export const TRACK_FEATURE_EVENT_TYPE = 'track_feature';

/** JSON text of a free-form object; kept as text so keys with `.`, a leading `$` or `__proto__` survive intact. */
export type JsonText = string;

export interface TrackingCallRecord {
  /**
   * `<appId>:m:<messageId>` when the client sent a messageId (a retry then collides), else a random id; a
   * feedback with a feedbackId is `<appId>:fb:<feedbackId>` (a later call of it updates the record).
   */
  _id: string;
  appId: string;
  type: CallType;
  messageId?: string;
  userId?: string;
  companyId?: string;
  /** event calls: the event name. */
  event?: string;
  /** feedback calls. */
  featureId?: string;
  score?: number;
  comment?: string;
  /** feedback calls of Bucket's SDK (see tracking.v1.TrackingCall). */
  question?: string;
  promptedQuestion?: string;
  promptId?: string;
  source?: string;
  feedbackId?: string;
  /** A feedback with a feedbackId: the messageIds of every call applied to it (a retried one is a duplicate). */
  messageIds?: string[];
  /** page calls (page and screen views). */
  url?: string;
  path?: string;
  title?: string;
  referrer?: string;
  attributes: JsonText;
  /** context.active; false leaves last seen unchanged. */
  active: boolean;
  /** When it happened (client timestamp or time received). */
  timestamp: Date;
  /** UTC day of `timestamp`, YYYY-MM-DD. */
  day: string;
  /**
   * When ingestion wrote the call (its clock, the instant of the round's insert): incremental exports read
   * calls by it. Calls stored before `receivedDay` existed hold the gateway's time received instead.
   */
  receivedAt: Date;
  /**
   * UTC day of `receivedAt`, YYYY-MM-DD: reception windows are read one `{appId, receivedDay}` equality at a
   * time. Absent on calls stored before it was written: those are in no reception window.
   */
  receivedDay?: string;
  /**
   * Companies the call counts for: its own companyId, or, for events and feedback without one, the companies
   * the user belonged to when the call arrived.
   */
  companyIds: string[];
  /** The ingestion round that stored it (its journal entry): a failed or late round removes exactly its own calls. */
  journalId?: string;
}

export interface UserProfileRecord {
  /** `<appId>:<userId>` */
  _id: string;
  appId: string;
  userId: string;
  firstSeen: Date;
  lastSeen?: Date | null;
  /** Merged attributes: a map of escaped key -> JSON text of the value (see escapeAttributeKey). */
  attributes: Record<string, JsonText>;
  companyIds: string[];
  updatedAt: Date;
}

export interface CompanyProfileRecord {
  /** `<appId>:<companyId>` */
  _id: string;
  appId: string;
  companyId: string;
  firstSeen: Date;
  lastSeen?: Date | null;
  attributes: Record<string, JsonText>;
  userIds: string[];
  updatedAt: Date;
}

export interface UsageDailyRecord {
  /** `<appId>|<companyId>|<event>|<day>` */
  _id: string;
  appId: string;
  companyId: string;
  event: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  count: number;
  /** The projector round that last incremented it (a round applied again after a crash skips it). */
  lastRound?: string;
}

/**
 * The days of a company's usage counters, kept beside usage_daily by the same projector round that increments
 * them: the company data export reads one document per company instead of every counter. Only used for an app
 * whose `company_usage_days_complete` record exists (its documents then hold every counter of usage_daily).
 */
export interface CompanyUsageDaysRecord {
  /** `<appId>:<companyId>` */
  _id: string;
  appId: string;
  companyId: string;
  /** `<day>|<event>` per counter (YYYY-MM-DD first, so the entries of days before a cutoff sort before it). */
  days: string[];
}

/** `company_usage_days_complete`: the app's usage days documents hold every counter of usage_daily since `at`. */
export interface CompanyUsageDaysCompleteRecord {
  /** The app id. */
  _id: string;
  at: Date;
}

export function companyUsageDaysId(appId: string, companyId: string): string {
  return `${appId}:${companyId}`;
}

/** The entry of `days` for a counter of `event` on `day`. */
export function usageDayEntry(day: string, event: string): string {
  return `${day}|${event}`;
}

/** A `days` entry back as its day and event. */
export function parseUsageDayEntry(entry: string): { day: string; event: string } {
  return { day: entry.slice(0, 10), event: entry.slice(11) };
}

export interface CompanyAttributesDailyRecord {
  /** `<appId>|<companyId>|<day>` */
  _id: string;
  appId: string;
  companyId: string;
  day: string;
  /** All of the company's attributes as of the end of `day`, JSON text of a plain object. */
  attributes: JsonText;
}

/**
 * Attribute keys become MongoDB field names in profiles; escape the characters MongoDB and FerretDB treat
 * specially (`.`, a leading `$`) and `%` itself, so every key round-trips.
 */
export function escapeAttributeKey(key: string): string {
  return key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}

export function unescapeAttributeKey(key: string): string {
  return key.replace(/%2E/g, '.').replace(/%24/g, '$').replace(/%25/g, '%');
}

/** Decodes a profile's stored attributes into a plain object (null prototype, so `__proto__` is just a key). */
export function decodeAttributes(stored: Record<string, JsonText> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, json] of Object.entries(stored ?? {})) out[unescapeAttributeKey(key)] = JSON.parse(json);
  return out;
}

/** UTC day of a date, YYYY-MM-DD. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
