import {
  decodeAttributes,
  EXPORT_EVENT_TYPE,
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
  'score',
  'comment',
  'attributes',
] as const;

export const FEEDBACK_COLUMNS = [
  'user_id',
  'company_id',
  'feature_id',
  'score',
  'comment',
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

export function encodeEventRow(call: TrackingCallRecord): string {
  return (
    `{"event_type":${str(EXPORT_EVENT_TYPE[call.type] ?? call.type)},"event_name":${str(call.event)},` +
    `"user_id":${str(call.userId)},"company_id":${str(call.companyId)},"timestamp":${date(call.timestamp)},` +
    `"day":${str(call.day)},"message_id":${str(call.messageId)},"feature_id":${str(call.featureId)},` +
    `"score":${num(call.score)},"comment":${str(call.comment)},"attributes":${attrs(call.attributes)}}`
  );
}

export function encodeFeedbackRow(call: TrackingCallRecord): string {
  return (
    `{"user_id":${str(call.userId)},"company_id":${str(call.companyId)},"feature_id":${str(call.featureId)},` +
    `"score":${num(call.score)},"comment":${str(call.comment)},"timestamp":${date(call.timestamp)},` +
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
