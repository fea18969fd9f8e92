import {
  decodeAttributes,
  EXPORT_EVENT_TYPE,
  TRACK_FEATURE_EVENT_TYPE,
  TrackingCallRecord,
  UserProfileRecord,
  CompanyProfileRecord,
} from '@exportd/records';

/**
 * Rows as export files show them: one JSON object per row, keys in the column order below. Rows are written
 * as JSON text here, once, so JSON and JSON Lines exports pass them through without re-encoding. Stored
 * attributes are already JSON text and are spliced in as they are.
 */
export const EVENT_COLUMNS = [
  'event_type',
  'event_name',
  'user_id',
  'company_id',
  'timestamp',
  'day',
  'message_id',
  'feature_id',
  'feature_name',
  'score',
  'comment',
  'url',
  'path',
  'title',
  'referrer',
  'attributes',
] as const;

export const FEEDBACK_COLUMNS = [
  'user_id',
  'company_id',
  'feature_id',
  'score',
  'comment',
  'question',
  'prompted_question',
  'prompt_id',
  'source',
  'feedback_id',
  'timestamp',
  'day',
  'message_id',
  'attributes',
] as const;

export const USER_COLUMNS = ['user_id', 'company_ids', 'first_seen', 'last_seen', 'attributes'] as const;

export const COMPANY_COLUMNS = ['company_id', 'user_ids', 'first_seen', 'last_seen', 'attributes'] as const;

const str = (value: string | undefined | null): string =>
  value === undefined || value === null ? 'null' : JSON.stringify(value);
const num = (value: number | undefined | null): string =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : 'null';
const date = (value: Date | undefined | null): string => (value ? `"${new Date(value).toISOString()}"` : 'null');
const attrs = (json: string | undefined): string => (json && json.length > 0 ? json : '{}');

/** A feature a `track` call counts for: its `track_feature` row carries the feature's id and name. */
export interface TrackedFeature {
  id: string;
  name: string;
}

/** An events row: the call as stored, or (with `feature`) the `track_feature` row of a `track` call. */
export function encodeEventRow(call: TrackingCallRecord, feature?: TrackedFeature): string {
  const eventType = feature ? TRACK_FEATURE_EVENT_TYPE : (EXPORT_EVENT_TYPE[call.type] ?? call.type);
  return (
    `{"event_type":${str(eventType)},"event_name":${str(call.event)},` +
    `"user_id":${str(call.userId)},"company_id":${str(call.companyId)},"timestamp":${date(call.timestamp)},` +
    `"day":${str(call.day)},"message_id":${str(call.messageId)},` +
    `"feature_id":${str(feature ? feature.id : call.featureId)},"feature_name":${str(feature?.name)},` +
    `"score":${num(call.score)},"comment":${str(call.comment)},"url":${str(call.url)},"path":${str(call.path)},` +
    `"title":${str(call.title)},"referrer":${str(call.referrer)},"attributes":${attrs(call.attributes)}}`
  );
}

export function encodeFeedbackRow(call: TrackingCallRecord): string {
  return (
    `{"user_id":${str(call.userId)},"company_id":${str(call.companyId)},"feature_id":${str(call.featureId)},` +
    `"score":${num(call.score)},"comment":${str(call.comment)},"question":${str(call.question)},` +
    `"prompted_question":${str(call.promptedQuestion)},"prompt_id":${str(call.promptId)},` +
    `"source":${str(call.source)},"feedback_id":${str(call.feedbackId)},"timestamp":${date(call.timestamp)},` +
    `"day":${str(call.day)},"message_id":${str(call.messageId)},"attributes":${attrs(call.attributes)}}`
  );
}

export function encodeUserRow(user: UserProfileRecord): string {
  return (
    `{"user_id":${str(user.userId)},"company_ids":${JSON.stringify(user.companyIds ?? [])},` +
    `"first_seen":${date(user.firstSeen)},"last_seen":${date(user.lastSeen)},` +
    `"attributes":${JSON.stringify(decodeAttributes(user.attributes))}}`
  );
}

export function encodeCompanyRow(company: CompanyProfileRecord): string {
  return (
    `{"company_id":${str(company.companyId)},"user_ids":${JSON.stringify(company.userIds ?? [])},` +
    `"first_seen":${date(company.firstSeen)},"last_seen":${date(company.lastSeen)},` +
    `"attributes":${JSON.stringify(decodeAttributes(company.attributes))}}`
  );
}

/** Each column's JSON value text, as the encoders above write it, and the row's attributes (`attributes.<key>`). */
export interface ColumnValues<Doc> {
  values: Readonly<Record<string, (doc: Doc) => string>>;
  attributes?: (doc: Doc) => Record<string, unknown>;
}

type Values<Column extends string, Doc> = Readonly<Record<Column, (doc: Doc) => string>>;

/** Event and feedback columns share their values (`feature_name` is set only on derived track_feature rows). */
const CALL_VALUES: Values<(typeof EVENT_COLUMNS)[number] | (typeof FEEDBACK_COLUMNS)[number], TrackingCallRecord> = {
  event_type: (call) => str(EXPORT_EVENT_TYPE[call.type] ?? call.type),
  event_name: (call) => str(call.event),
  user_id: (call) => str(call.userId),
  company_id: (call) => str(call.companyId),
  timestamp: (call) => date(call.timestamp),
  day: (call) => str(call.day),
  message_id: (call) => str(call.messageId),
  feature_id: (call) => str(call.featureId),
  feature_name: () => 'null',
  score: (call) => num(call.score),
  comment: (call) => str(call.comment),
  url: (call) => str(call.url),
  path: (call) => str(call.path),
  title: (call) => str(call.title),
  referrer: (call) => str(call.referrer),
  question: (call) => str(call.question),
  prompted_question: (call) => str(call.promptedQuestion),
  prompt_id: (call) => str(call.promptId),
  source: (call) => str(call.source),
  feedback_id: (call) => str(call.feedbackId),
  attributes: (call) => attrs(call.attributes),
};

const callAttributes = (call: TrackingCallRecord): Record<string, unknown> =>
  JSON.parse(attrs(call.attributes)) as Record<string, unknown>;

export const EVENT_VALUES: ColumnValues<TrackingCallRecord> = { values: CALL_VALUES, attributes: callAttributes };

const FEEDBACK_ONLY: Values<(typeof FEEDBACK_COLUMNS)[number], TrackingCallRecord> = CALL_VALUES;
export const FEEDBACK_VALUES: ColumnValues<TrackingCallRecord> = { values: FEEDBACK_ONLY, attributes: callAttributes };

const USER_COLUMN_VALUES: Values<(typeof USER_COLUMNS)[number], UserProfileRecord> = {
  user_id: (user) => str(user.userId),
  company_ids: (user) => JSON.stringify(user.companyIds ?? []),
  first_seen: (user) => date(user.firstSeen),
  last_seen: (user) => date(user.lastSeen),
  attributes: (user) => JSON.stringify(decodeAttributes(user.attributes)),
};

export const USER_VALUES: ColumnValues<UserProfileRecord> = {
  values: USER_COLUMN_VALUES,
  attributes: (user) => decodeAttributes(user.attributes),
};

const COMPANY_COLUMN_VALUES: Values<(typeof COMPANY_COLUMNS)[number], CompanyProfileRecord> = {
  company_id: (company) => str(company.companyId),
  user_ids: (company) => JSON.stringify(company.userIds ?? []),
  first_seen: (company) => date(company.firstSeen),
  last_seen: (company) => date(company.lastSeen),
  attributes: (company) => JSON.stringify(decodeAttributes(company.attributes)),
};

export const COMPANY_VALUES: ColumnValues<CompanyProfileRecord> = {
  values: COMPANY_COLUMN_VALUES,
  attributes: (company) => decodeAttributes(company.attributes),
};
