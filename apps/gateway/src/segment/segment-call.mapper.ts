import { tracking, trackingCall } from '@exportd/contracts';
import { checkedAttributes, FieldProblem, NUL_PROBLEM, nulFields } from '../tracking/tracking-call.validation';
import { CALL_LIMITS } from '../tracking/tracking.config';

/**
 * Segment's HTTP Tracking API (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/)
 * mapped onto this platform's tracking calls. Pure: no I/O, the time received is an argument.
 *
 *   identify       -> user call     traits -> attributes
 *   group          -> company call  groupId -> companyId, traits -> attributes, the user as the company's user
 *   track          -> event call    event -> event, properties -> attributes, context.groupId -> companyId
 *   page, screen   -> page view     properties.url/path/title/referrer (a page falls back to context.page.*,
 *                                   as analytics.js sends them there too); title: page properties.title, else
 *                                   context.page.title, else name; screen: name, else properties.title;
 *                                   properties -> attributes; context.groupId -> companyId
 *   alias          -> refused: user identities are not merged on this platform
 *
 * Every call: userId, else anonymousId, is the user (one is required, as Segment requires); messageId ->
 * messageId (ingestion stores a messageId once, so a retried batch adds nothing); context.active === false ->
 * active false; the event time is corrected for the client's clock skew (see eventTime). Fields this platform
 * has no use for (integrations, the rest of context, _metadata, category, version, ...) are accepted and ignored,
 * as Segment accepts them. Each call's free-form object keeps the limits of the Tracking API's `attributes`.
 */
export type SegmentCallType = 'identify' | 'group' | 'track' | 'page' | 'screen';
export const SEGMENT_CALL_TYPES: readonly SegmentCallType[] = ['identify', 'group', 'track', 'page', 'screen'];

/** Segment's documented limits ("Max request size", "Batch"): over them the request is a 400, as Segment answers. */
export const SEGMENT_LIMITS = {
  /** The body of a single call (/v1/track, ...) and the JSON of one item of a batch, in bytes. */
  callBytes: 32 * 1024,
  /** The body of a /v1/batch request, in bytes. */
  batchBytes: 500 * 1024,
  /** Items of one batch. */
  batchCalls: 2_500,
} as const;

/** Why a request is refused: the error body's code and message, and the wrong fields. */
export interface SegmentProblem {
  code: string;
  message: string;
  problems?: FieldProblem[];
}

export type MappedCalls = { ok: true; calls: tracking.TrackingCall[] } | ({ ok: false } & SegmentProblem);

const ALIAS_NOT_SUPPORTED =
  'alias is not supported: this platform does not merge user identities (send the userId you want the calls stored under)';

const CALL_TYPE: Record<SegmentCallType, tracking.CallType> = {
  identify: tracking.CallType.CALL_TYPE_USER,
  group: tracking.CallType.CALL_TYPE_COMPANY,
  track: tracking.CallType.CALL_TYPE_EVENT,
  page: tracking.CallType.CALL_TYPE_PAGE,
  screen: tracking.CallType.CALL_TYPE_PAGE,
};

/** Page views: the longest url, path and referrer, and the longest title (as the Tracking API's page views). */
const URL_LENGTH = 8_192;
const TITLE_LENGTH = 2_048;

// ISO 8601 calendar date, optionally with a time and a zone (a time without a zone is read as UTC), as the
// Tracking API reads its timestamps.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

class Problems {
  readonly list: FieldProblem[] = [];
  constructor(private readonly prefix: string) {}
  add(field: string, problem: string): void {
    const path = field ? this.prefix + field : this.prefix.replace(/\.$/, '');
    const existing = this.list.find((p) => p.field === path);
    if (existing) existing.problems.push(problem);
    else this.list.push({ field: path, problems: [problem] });
  }
}

/** The answer to POST /v1/alias (and the problem of an alias item in a batch). */
export function aliasNotSupported(): SegmentProblem {
  return { code: 'alias_not_supported', message: ALIAS_NOT_SUPPORTED };
}

/**
 * The event time of a call, corrected for the client's clock skew as Segment corrects it
 * (https://segment.com/docs/connections/spec/common/#timestamps: timestamp = receivedAt - (sentAt - originalTimestamp)):
 *
 * - with `sentAt` (the call's own, else its batch's) and a client time (`originalTimestamp`, else `timestamp`):
 *   receivedAt - (sentAt - client time). sentAt and receivedAt are taken as the same instant, so their
 *   difference is the device's clock skew, applied back to the client time. Not clamped: a client time after its
 *   sentAt gives a time after receivedAt, as Segment computes it.
 * - without `sentAt`: `timestamp` as given, else `originalTimestamp` as given (nothing to measure the skew by).
 * - without any client time: receivedAt.
 *
 * `receivedAt` is the gateway's clock when the request arrived, the same for every call of one request.
 */
export function eventTime(times: { timestamp?: Date; originalTimestamp?: Date; sentAt?: Date }, receivedAt: Date): Date {
  const { timestamp, originalTimestamp, sentAt } = times;
  if (sentAt) {
    const clientTime = originalTimestamp ?? timestamp;
    if (!clientTime) return receivedAt;
    return new Date(receivedAt.getTime() - (sentAt.getTime() - clientTime.getTime()));
  }
  return timestamp ?? originalTimestamp ?? receivedAt;
}

/** Reads an ISO 8601 date-time field; undefined when absent. */
function dateField(body: Json, field: string, problems: Problems): Date | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add(field, `must be an ISO 8601 date string, got ${describe(value)}`);
    return undefined;
  }
  const parsed = ISO_8601.test(value) ? new Date(withZone(value.replace(' ', 'T').replace(',', '.'))) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    problems.add(field, `must be an ISO 8601 date such as 2024-05-01T12:00:00.000Z, got "${value.slice(0, 64)}"`);
    return undefined;
  }
  return parsed;
}

/** A date-time without a zone is read as UTC (not as the server's local time). */
function withZone(value: string): string {
  return value.length > 10 && !/(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(value.slice(10)) ? `${value}Z` : value;
}

/**
 * An id (userId, anonymousId, groupId, messageId): a string, or an integer sent as a JSON number, stored as
 * text. An empty or blank string counts as absent (Segment's libraries send `""` or null for "no id").
 */
function idField(body: Json, field: string, problems: Problems, path = field): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    problems.add(path, 'must be a string or an integer');
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(path, `must be a string or an integer, got ${describe(value)}`);
    return undefined;
  }
  if (value.trim().length === 0) return undefined;
  if (value.length > CALL_LIMITS.idLength) {
    problems.add(path, `must be at most ${CALL_LIMITS.idLength} characters, got ${value.length}`);
    return undefined;
  }
  return value;
}

/** An optional object field (context, integrations, traits, properties); {} when absent. */
function objectField(body: Json, field: string, problems: Problems): Json {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    problems.add(field, `must be an object, got ${describe(value)}`);
    return {};
  }
  return value;
}

/** A page field (url, path, title, referrer, name): a string; an empty one counts as absent. */
function textOf(value: unknown, path: string, problems: Problems, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add(path, `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (value.length > max) {
    problems.add(path, `must be at most ${max} characters, got ${value.length}`);
    return undefined;
  }
  return value.length > 0 ? value : undefined;
}

/**
 * The free-form object of a call (traits or properties) as the attributes' JSON text, with the limits of the
 * Tracking API's `attributes` (CALL_LIMITS: keys, nesting, string and key lengths), named by Segment's field.
 */
function attributesOf(value: Json, field: string, problems: Problems): string {
  return checkedAttributes(value, field, (path, problem) => problems.add(path, problem));
}

/** What a batch gives each of its items: its context and integrations (merged under the item's) and its sentAt. */
interface BatchDefaults {
  context: Json;
  integrations: Json;
  sentAt?: Date;
}

const NO_DEFAULTS: BatchDefaults = { context: {}, integrations: {} };

/**
 * Maps one Segment call. `prefix` names the item in a batch (`batch.3.`); problems are collected, not thrown,
 * so every wrong field of every item is reported at once.
 */
function mapCall(
  type: SegmentCallType,
  body: Json,
  receivedAt: Date,
  problems: Problems,
  defaults: BatchDefaults,
): tracking.TrackingCall | undefined {
  const before = problems.list.length;
  // A batch's context and integrations apply to each item; the item's own keys win (a shallow merge). Spread
  // copies own keys as data properties, so a key such as `__proto__` stays a plain key.
  const context = { ...defaults.context, ...objectField(body, 'context', problems) };
  objectField(body, 'integrations', problems); // merged like context; nothing here reads it

  const beforeIds = problems.list.length;
  const userId = idField(body, 'userId', problems);
  const anonymousId = idField(body, 'anonymousId', problems);
  const user = userId ?? anonymousId;
  if (user === undefined && problems.list.length === beforeIds) problems.add('userId', 'userId or anonymousId is required');
  const messageId = idField(body, 'messageId', problems);
  const timestamp = dateField(body, 'timestamp', problems);
  const originalTimestamp = dateField(body, 'originalTimestamp', problems);
  const sentAt = dateField(body, 'sentAt', problems) ?? defaults.sentAt;

  let active: boolean | undefined;
  if (context.active !== undefined && context.active !== null) {
    if (typeof context.active === 'boolean') active = context.active;
    else problems.add('context.active', `must be a boolean, got ${describe(context.active)}`);
  }

  const call = trackingCall({
    type: CALL_TYPE[type],
    messageId,
    userId: user ?? '',
    timestamp: eventTime({ timestamp, originalTimestamp, sentAt }, receivedAt),
    receivedAt,
    active,
  });

  switch (type) {
    case 'identify':
      call.attributesJson = attributesOf(objectField(body, 'traits', problems), 'traits', problems);
      break;
    case 'group': {
      const beforeGroup = problems.list.length;
      const groupId = idField(body, 'groupId', problems);
      if (groupId === undefined && problems.list.length === beforeGroup) problems.add('groupId', 'is required');
      call.companyId = groupId ?? '';
      call.attributesJson = attributesOf(objectField(body, 'traits', problems), 'traits', problems);
      break;
    }
    case 'track': {
      const event = body.event;
      if (event === undefined || event === null) problems.add('event', 'is required');
      else if (typeof event !== 'string') problems.add('event', `must be a string, got ${describe(event)}`);
      else if (event.trim().length === 0) problems.add('event', 'must not be empty');
      else if (event.length > CALL_LIMITS.eventLength) {
        problems.add('event', `must be at most ${CALL_LIMITS.eventLength} characters, got ${event.length}`);
      } else call.event = event;
      call.companyId = idField(context, 'groupId', problems, 'context.groupId') ?? '';
      call.attributesJson = attributesOf(objectField(body, 'properties', problems), 'properties', problems);
      break;
    }
    case 'page':
    case 'screen': {
      const properties = objectField(body, 'properties', problems);
      const name = textOf(body.name, 'name', problems, TITLE_LENGTH);
      let page: Json = {};
      if (type === 'page' && context.page !== undefined && context.page !== null) {
        if (isPlainObject(context.page)) page = context.page;
        else problems.add('context.page', `must be an object, got ${describe(context.page)}`);
      }
      const pick = (field: 'url' | 'path' | 'title' | 'referrer') => {
        const max = field === 'title' ? TITLE_LENGTH : URL_LENGTH;
        return (
          textOf(properties[field], `properties.${field}`, problems, max) ??
          textOf(page[field], `context.page.${field}`, problems, max)
        );
      };
      call.url = pick('url') ?? '';
      call.path = pick('path') ?? '';
      call.referrer = pick('referrer') ?? '';
      call.title = (type === 'screen' ? (name ?? pick('title')) : (pick('title') ?? name)) ?? '';
      call.companyId = idField(context, 'groupId', problems, 'context.groupId') ?? '';
      call.attributesJson = attributesOf(properties, 'properties', problems);
      break;
    }
  }
  // Named by the call's field (a Segment `name` becomes `event` or `title`).
  for (const field of nulFields(call)) problems.add(field, NUL_PROBLEM);
  return problems.list.length === before ? call : undefined;
}

/** The JSON of one call is at most SEGMENT_LIMITS.callBytes bytes (Segment's 32 KB per call). */
function callSize(body: unknown): number {
  return Buffer.byteLength(JSON.stringify(body) ?? '');
}

/**
 * A single call (POST /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen). The route decides the call's
 * type (a `type` field in the body is ignored, as Segment's single endpoints do).
 */
export function mapSegmentCall(type: SegmentCallType, body: unknown, receivedAt: Date): MappedCalls {
  const problems = new Problems('');
  if (!isPlainObject(body)) {
    problems.add('body', `must be a JSON object, got ${describe(body)}`);
    return invalid(problems.list);
  }
  const size = callSize(body);
  if (size > SEGMENT_LIMITS.callBytes) {
    return {
      ok: false,
      code: 'payload_too_large',
      message: `a call is at most ${SEGMENT_LIMITS.callBytes} bytes of JSON (Segment's 32 KB limit), got ${size}`,
    };
  }
  const call = mapCall(type, body, receivedAt, problems, NO_DEFAULTS);
  return call ? { ok: true, calls: [call] } : invalid(problems.list);
}

/**
 * A batch (POST /v1/batch): `{batch: [...], context?, integrations?, sentAt?, writeKey?}`, each item naming its
 * `type`. The batch's context and integrations apply to each item (the item's own keys win, shallowly), its
 * sentAt to each item without one. All or nothing: any wrong item refuses the whole batch, every problem named
 * by the item's index (`batch.3.event`). An empty batch maps to no calls.
 */
export function mapSegmentBatch(body: unknown, receivedAt: Date): MappedCalls {
  const top = new Problems('');
  if (!isPlainObject(body)) {
    top.add('body', `must be a JSON object with a batch array, got ${describe(body)}`);
    return invalid(top.list);
  }
  const items = body.batch;
  if (!Array.isArray(items)) {
    top.add('batch', items === undefined || items === null ? 'is required' : `must be an array, got ${describe(items)}`);
    return invalid(top.list);
  }
  if (items.length > SEGMENT_LIMITS.batchCalls) {
    return {
      ok: false,
      code: 'too_many_calls',
      message: `a batch holds at most ${SEGMENT_LIMITS.batchCalls} calls (Segment's limit), got ${items.length}`,
    };
  }
  const defaults: BatchDefaults = {
    context: objectField(body, 'context', top),
    integrations: objectField(body, 'integrations', top),
    sentAt: dateField(body, 'sentAt', top),
  };
  const problems: FieldProblem[] = [...top.list];
  const calls: tracking.TrackingCall[] = [];
  items.forEach((item: unknown, index) => {
    const itemProblems = new Problems(`batch.${index}.`);
    if (!isPlainObject(item)) {
      itemProblems.add('', `each call must be a JSON object, got ${describe(item)}`);
    } else {
      const size = callSize(item);
      const type = item.type;
      if (size > SEGMENT_LIMITS.callBytes) {
        itemProblems.add('', `a call is at most ${SEGMENT_LIMITS.callBytes} bytes of JSON (Segment's 32 KB limit), got ${size}`);
      } else if (type === 'alias') {
        itemProblems.add('type', ALIAS_NOT_SUPPORTED);
      } else if (!SEGMENT_CALL_TYPES.includes(type as SegmentCallType)) {
        itemProblems.add(
          'type',
          `must be one of ${SEGMENT_CALL_TYPES.join(', ')}, got ${JSON.stringify(type)?.slice(0, 32) ?? 'nothing'}`,
        );
      } else {
        const call = mapCall(type as SegmentCallType, item, receivedAt, itemProblems, defaults);
        if (call) calls.push(call);
      }
    }
    problems.push(...itemProblems.list);
  });
  return problems.length > 0 ? invalid(problems) : { ok: true, calls };
}

function invalid(problems: FieldProblem[]): { ok: false } & SegmentProblem {
  return { ok: false, code: 'invalid_request', message: summarize(problems), problems };
}

/** One line naming every wrong field (the Tracking API's summary format), cut short for very many. */
function summarize(problems: FieldProblem[]): string {
  const shown = problems.slice(0, 20).map((p) => `${p.field}: ${p.problems.join(', ')}`);
  if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more (see details)`);
  return shown.join('; ');
}
