import { tracking, trackingCall } from '@exportd/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { CALL_LIMITS } from './tracking.config';

export type CallKind = 'user' | 'company' | 'event' | 'feedback' | 'page';
export const CALL_KINDS: readonly CallKind[] = ['user', 'company', 'event', 'feedback', 'page'];

/** One wrong field and why; `field` is a path such as `attributes` or, in a bulk request, `3.userId`. */
export interface FieldProblem {
  field: string;
  problems: string[];
}

export type Validated = { ok: true; call: tracking.TrackingCall } | { ok: false; problems: FieldProblem[] };

export const CALL_TYPE: Record<CallKind, tracking.CallType> = {
  user: tracking.CallType.CALL_TYPE_USER,
  company: tracking.CallType.CALL_TYPE_COMPANY,
  event: tracking.CallType.CALL_TYPE_EVENT,
  feedback: tracking.CallType.CALL_TYPE_FEEDBACK,
  page: tracking.CallType.CALL_TYPE_PAGE,
};

/**
 * The fields each call accepts (seed 001, plus messageId; feedback also takes the fields Bucket's SDK sends;
 * page views are this platform's); `required` ones must be present.
 */
const FIELDS: Record<CallKind, { required: string[]; optional: string[] }> = {
  user: { required: ['userId'], optional: ['attributes', 'context', 'timestamp', 'messageId'] },
  company: { required: ['companyId'], optional: ['userId', 'attributes', 'context', 'timestamp', 'messageId'] },
  event: { required: ['event', 'userId'], optional: ['companyId', 'attributes', 'context', 'timestamp', 'messageId'] },
  feedback: {
    required: ['featureId', 'userId'],
    optional: [
      'companyId',
      'score',
      'comment',
      'timestamp',
      'messageId',
      'question',
      'promptedQuestion',
      'promptId',
      'source',
      'feedbackId',
    ],
  },
  page: {
    required: ['userId'],
    optional: ['url', 'path', 'title', 'referrer', 'companyId', 'attributes', 'context', 'timestamp', 'messageId'],
  },
};

// ISO 8601 calendar date, optionally with a time and a zone (a time without a zone is read as UTC).
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: FieldProblem[] = [];
  constructor(private readonly prefix: string) {}
  add(field: string, problem: string): void {
    const path = this.prefix + field;
    const existing = this.list.find((p) => p.field === path);
    if (existing) existing.problems.push(problem);
    else this.list.push({ field: path, problems: [problem] });
  }
}

/** A string, or an integer sent as a JSON number (the seed's examples send numeric ids): stored as text. */
function idField(
  body: Record<string, unknown>,
  field: string,
  problems: Problems,
  max = CALL_LIMITS.idLength,
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    problems.add(field, 'must be a string or an integer');
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(field, `must be a string or an integer, got ${describe(value)}`);
    return undefined;
  }
  if (value.trim().length === 0) problems.add(field, 'must not be empty');
  else if (value.length > max) problems.add(field, `must be at most ${max} characters, got ${value.length}`);
  else return value;
  return undefined;
}

/**
 * Free text (a question, a page's URL or title): a string of at most `max` characters. An empty string is
 * taken as absent, as ingestion stores empty texts as absent anyway.
 */
function textField(body: Record<string, unknown>, field: string, problems: Problems, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add(field, `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (value.length > max) {
    problems.add(field, `must be at most ${max} characters, got ${value.length}`);
    return undefined;
  }
  return value.length > 0 ? value : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Checks `attributes` (limits on count, depth, key and string length) and returns its JSON text. */
function attributesField(body: Record<string, unknown>, problems: Problems): string {
  const value = body.attributes;
  if (value === undefined || value === null) return '{}';
  if (!isPlainObject(value)) {
    problems.add('attributes', `must be an object, got ${describe(value)}`);
    return '{}';
  }
  return checkedAttributes(value, 'attributes', (path, problem) => problems.add(path, problem));
}

/**
 * Checks an attributes object against the limits on count, depth, key and string length (each problem
 * reported at its path under `field`, through `add`) and returns its JSON text. The Tracking API's and the
 * Segment-compatible calls share it.
 */
export function checkedAttributes(
  value: Record<string, unknown>,
  field: string,
  add: (path: string, problem: string) => void,
): string {
  const keys = Object.keys(value);
  if (keys.length > CALL_LIMITS.attributeCount) {
    add(field, `must have at most ${CALL_LIMITS.attributeCount} keys, got ${keys.length}`);
  }
  let nodes = 0;
  let tooDeep = false;
  let tooMany = false;
  const walk = (node: unknown, path: string, depth: number): void => {
    if (typeof node === 'string') {
      if (node.length > CALL_LIMITS.attributeStringLength) {
        add(path, `must be at most ${CALL_LIMITS.attributeStringLength} characters, got ${node.length}`);
      }
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (depth > CALL_LIMITS.attributeDepth) {
      if (!tooDeep) add(field, `must not be nested more than ${CALL_LIMITS.attributeDepth} levels deep (at ${path})`);
      tooDeep = true;
      return;
    }
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((item, index): [string, unknown] => [String(index), item])
      : Object.entries(node);
    for (const [key, child] of entries) {
      nodes += 1;
      if (nodes > CALL_LIMITS.attributeNodes) {
        if (!tooMany) add(field, `must hold at most ${CALL_LIMITS.attributeNodes} keys and elements in all`);
        tooMany = true;
        return;
      }
      if (!Array.isArray(node)) {
        if (key.length === 0) add(path, 'attribute keys must not be empty');
        else if (key.length > CALL_LIMITS.attributeKeyLength) {
          add(path, `attribute keys must be at most ${CALL_LIMITS.attributeKeyLength} characters`);
        } else if (key.includes('\u0000')) add(path, 'attribute keys must not contain NUL characters');
      }
      walk(child, `${path}.${key}`, depth + 1);
    }
  };
  walk(value, field, 0);
  // Both are refused (and the walk stops early): JSON.stringify would overflow the stack on the deepest
  // bodies a call may hold.
  return tooDeep || tooMany ? '{}' : JSON.stringify(value);
}

function contextField(body: Record<string, unknown>, problems: Problems): boolean | undefined {
  const context = body.context;
  if (context === undefined || context === null) return undefined;
  if (!isPlainObject(context)) {
    problems.add('context', `must be an object, got ${describe(context)}`);
    return undefined;
  }
  const active = context.active;
  if (active === undefined || active === null) return undefined;
  if (typeof active !== 'boolean') {
    problems.add('context.active', `must be a boolean, got ${describe(active)}`);
    return undefined;
  }
  return active;
}

function timestampField(body: Record<string, unknown>, problems: Problems): Date | undefined {
  const value = body.timestamp;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add('timestamp', `must be an ISO 8601 date string, got ${describe(value)}`);
    return undefined;
  }
  const parsed =
    ISO_8601.test(value) && isCalendarDate(value) ? new Date(withZone(value.replace(' ', 'T').replace(',', '.'))) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) {
    problems.add('timestamp', `must be an ISO 8601 date such as 2024-05-01T12:00:00Z, got "${value.slice(0, 64)}"`);
    return undefined;
  }
  return parsed;
}

/** Day and month exist (Date would read 2024-02-30 as March 1st). */
function isCalendarDate(value: string): boolean {
  const year = Number(value.slice(0, 4));
  const day = Number(value.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(value.slice(5, 7)) - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/**
 * A date-time without a zone is read as UTC (not as the server's local time); a zone is written `±HH:MM`,
 * the form Date reads (it refuses `+02`).
 */
function withZone(value: string): string {
  if (value.length <= 10) return value;
  const zone = /(?:Z|([+-]\d{2}):?(\d{2})?)$/i.exec(value.slice(10));
  if (!zone) return `${value}Z`;
  if (zone[1] === undefined) return value;
  return `${value.slice(0, value.length - zone[0].length)}${zone[1]}:${zone[2] ?? '00'}`;
}

/**
 * Validates one call of the Tracking API (seed 001 and the bulk extension) and maps it to the contract.
 * Every wrong field is reported; nothing is partially accepted. `prefix` names the item in a bulk request.
 */
export function validateCall(kind: CallKind, body: unknown, receivedAt: Date, prefix = '', allowType = false): Validated {
  const problems = new Problems(prefix);
  if (!isPlainObject(body)) {
    problems.add(prefix ? '' : 'body', `must be a JSON object, got ${describe(body)}`);
    return { ok: false, problems: fixRoot(problems.list, prefix) };
  }
  const spec = FIELDS[kind];
  for (const key of Object.keys(body)) {
    if (allowType && key === 'type') continue;
    if (!spec.required.includes(key) && !spec.optional.includes(key)) {
      problems.add(key, `is not a field of the ${kind} call (allowed: ${[...spec.required, ...spec.optional].join(', ')})`);
    }
  }
  for (const key of spec.required) {
    if (body[key] === undefined || body[key] === null) problems.add(key, 'is required');
  }

  const messageId = idField(body, 'messageId', problems);
  const userId = idField(body, 'userId', problems);
  const companyId = idField(body, 'companyId', problems);
  const timestamp = timestampField(body, problems);
  const call = trackingCall({
    type: CALL_TYPE[kind],
    messageId,
    userId: userId ?? '',
    companyId: companyId ?? '',
    timestamp: timestamp ?? receivedAt,
    receivedAt,
  });

  if (kind === 'feedback') {
    call.featureId = idField(body, 'featureId', problems) ?? '';
    const { score, comment } = body;
    if (score !== undefined && score !== null) {
      if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > 5) {
        problems.add('score', `must be an integer from 1 to 5, got ${JSON.stringify(score)?.slice(0, 32) ?? describe(score)}`);
      } else call.score = score;
    }
    if (comment !== undefined && comment !== null) {
      if (typeof comment !== 'string') problems.add('comment', `must be a string, got ${describe(comment)}`);
      else if (comment.length > CALL_LIMITS.commentLength) {
        problems.add('comment', `must be at most ${CALL_LIMITS.commentLength} characters, got ${comment.length}`);
      } else call.comment = comment;
    }
    if ((score === undefined || score === null) && (comment === undefined || comment === null)) {
      problems.add('score', 'score or comment (or both) is required');
      problems.add('comment', 'score or comment (or both) is required');
    }
    // Bucket's SDK: the question answered and the prompt's, the prompt's id, where it came from, and the id of
    // the feedback (a later call with the same feedbackId updates that feedback; see assignFeedbackId).
    call.question = textField(body, 'question', problems, CALL_LIMITS.questionLength) ?? '';
    call.promptedQuestion = textField(body, 'promptedQuestion', problems, CALL_LIMITS.questionLength) ?? '';
    call.promptId = idField(body, 'promptId', problems) ?? '';
    call.source = textField(body, 'source', problems, CALL_LIMITS.sourceLength) ?? '';
    call.feedbackId = idField(body, 'feedbackId', problems) ?? '';
  } else if (kind === 'page') {
    call.attributesJson = attributesField(body, problems);
    call.active = contextField(body, problems);
    call.url = textField(body, 'url', problems, CALL_LIMITS.urlLength) ?? '';
    call.path = textField(body, 'path', problems, CALL_LIMITS.urlLength) ?? '';
    call.title = textField(body, 'title', problems, CALL_LIMITS.titleLength) ?? '';
    call.referrer = textField(body, 'referrer', problems, CALL_LIMITS.urlLength) ?? '';
  } else {
    call.attributesJson = attributesField(body, problems);
    call.active = contextField(body, problems);
    if (kind === 'event') {
      const event = body.event;
      if (event !== undefined && event !== null) {
        if (typeof event !== 'string') problems.add('event', `must be a string, got ${describe(event)}`);
        else if (event.trim().length === 0) problems.add('event', 'must not be empty');
        else if (event.length > CALL_LIMITS.eventLength) {
          problems.add('event', `must be at most ${CALL_LIMITS.eventLength} characters, got ${event.length}`);
        } else call.event = event;
      }
    }
  }
  for (const field of nulFields(call)) problems.add(field, NUL_PROBLEM);
  return problems.list.length > 0 ? { ok: false, problems: problems.list } : { ok: true, call };
}

export const NUL_PROBLEM = 'must not contain a NUL character (\\u0000)';

/**
 * The fields of a call whose text holds a NUL, which the store cannot keep (refused, not answered 503 after the
 * write fails). Attributes and context travel as JSON text, where a NUL is escaped, so they keep it.
 */
export function nulFields(call: tracking.TrackingCall): string[] {
  return Object.entries(call)
    .filter(([, value]) => typeof value === 'string' && value.includes('\u0000'))
    .map(([field]) => field);
}

function fixRoot(list: FieldProblem[], prefix: string): FieldProblem[] {
  return list.map((p) => ({ ...p, field: prefix ? prefix.replace(/\.$/, '') : p.field }));
}

export type ValidatedBulk = { ok: true; calls: tracking.TrackingCall[] } | { ok: false; problems: FieldProblem[] };

/** A /bulk body: an array of calls, each naming its `type`; every item is checked, problems are per item. */
export function validateBulk(body: unknown, receivedAt: Date): ValidatedBulk {
  if (!Array.isArray(body)) {
    return { ok: false, problems: [{ field: 'body', problems: [`must be a JSON array of calls, got ${describe(body)}`] }] };
  }
  if (body.length === 0) return { ok: false, problems: [{ field: 'body', problems: ['must hold at least one call'] }] };
  const problems: FieldProblem[] = [];
  const calls: tracking.TrackingCall[] = [];
  body.forEach((item: unknown, index) => {
    const type = isPlainObject(item) ? item.type : undefined;
    if (!CALL_KINDS.includes(type as CallKind)) {
      const why = isPlainObject(item)
        ? `must be one of ${CALL_KINDS.join(', ')}, got ${JSON.stringify(type)?.slice(0, 32) ?? 'nothing'}`
        : `each call must be a JSON object, got ${describe(item)}`;
      problems.push({ field: isPlainObject(item) ? `${index}.type` : String(index), problems: [why] });
      return;
    }
    const result = validateCall(type as CallKind, item, receivedAt, `${index}.`, true);
    if (result.ok) calls.push(result.call);
    else problems.push(...result.problems);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, calls };
}

/** One line naming every wrong field, for the error message. */
export function summarize(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.problems.join(', ')}`).join('; ');
}

/**
 * Every feedback stored through the Tracking API has a feedbackId, as in Bucket's own API: the client's, or
 * one assigned here and returned in the answer (Bucket's feedback widget sends the score first, then the
 * comment with the feedbackId of the first answer, which updates that feedback instead of adding one). With a
 * messageId and no feedbackId the id is derived from the messageId, so a retry of the call gets the same id
 * (ingestion then recognises the retry by its messageId). Returns the call's feedbackId ('' for other calls).
 */
export function assignFeedbackId(call: tracking.TrackingCall): string {
  if (call.type !== tracking.CallType.CALL_TYPE_FEEDBACK) return '';
  if (!call.feedbackId) call.feedbackId = call.messageId ? feedbackIdOfMessage(call.messageId) : randomUUID();
  return call.feedbackId;
}

/** A UUID-shaped id derived from a messageId (the version nibble says 5: name-based, SHA hashed). */
function feedbackIdOfMessage(messageId: string): string {
  const hex = createHash('sha256').update(`feedback-of-message:${messageId}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
