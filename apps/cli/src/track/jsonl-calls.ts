import { createHash } from 'node:crypto';
import { CliError } from '../cli-error';
import { isRecord } from '../http-client';

/** The kinds of call `/{trackingKey}/bulk` takes, named by each item's `type`. */
export const CALL_TYPES = ['user', 'company', 'event', 'feedback', 'page'] as const;

/** One line of a JSON Lines file as it goes into a bulk request. */
export interface LineCall {
  /** 1-based line number in the file. */
  line: number;
  /** The call's JSON text: the line as written, with `type` and `messageId` added when it had none. */
  json: string;
  /** UTF-8 bytes of `json`. */
  bytes: number;
  /** The messageId was derived here (the line had none). */
  assignedMessageId: boolean;
}

/**
 * The messageId of a call that has none: derived from where the call comes from (`source`, by default the
 * file's real path), its line number and its text, so the same line of the same file always gets the same id
 * and a re-run is deduplicated by the platform, while equal lines elsewhere in the file stay distinct calls.
 */
export function derivedMessageId(source: string, line: number, text: string): string {
  const digest = createHash('sha256').update(`${source}\n${line}\n${text}`).digest('base64url');
  return `exportd-cli-${digest.slice(0, 32)}`;
}

/**
 * Reads one line: undefined for a blank line, the call otherwise. The line's own text is kept (numbers,
 * key order and spacing are sent as written); `type` (from `defaultType`) and `messageId` are inserted
 * in front when absent. A line that is not a JSON object, or has no type, is a CliError naming the line.
 */
export function callOfLine(
  text: string,
  line: number,
  options: { source: string; label: string; defaultType?: string },
): LineCall | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0) return undefined;
  const where = `${options.label}:${line}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new CliError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed)) throw new CliError(`${where}: each line must be one JSON object (a tracking call)`);

  let json = trimmed;
  if (parsed.messageId === null) {
    // Re-written rather than added to, so the line holds one messageId key.
    delete parsed.messageId;
    json = JSON.stringify(parsed);
  }
  const added: string[] = [];
  if (parsed.type === undefined || parsed.type === null) {
    if (!options.defaultType) {
      throw new CliError(`${where}: the call has no "type" (one of ${CALL_TYPES.join(', ')}); add it or pass --type`);
    }
    if (parsed.type === null) {
      delete parsed.type;
      json = JSON.stringify(parsed);
    }
    added.push(`"type":${JSON.stringify(options.defaultType)}`);
  }
  const assignedMessageId = parsed.messageId === undefined;
  if (assignedMessageId) added.push(`"messageId":${JSON.stringify(derivedMessageId(options.source, line, trimmed))}`);
  if (added.length > 0) {
    const rest = json.slice(1).trimStart();
    json = `{${added.join(',')}${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  return { line, json, bytes: Buffer.byteLength(json), assignedMessageId };
}

/** Bulk requests of at most `maxCalls` calls and `maxBytes` bytes of JSON array. */
export interface BatchLimits {
  maxCalls: number;
  maxBytes: number;
}

/** The Tracking API's defaults (TRACKING_MAX_BULK_CALLS, TRACKING_MAX_BULK_BYTES). */
export const API_BULK_LIMITS: BatchLimits = { maxCalls: 2_500, maxBytes: 500 * 1024 };

/** The JSON array text of a bulk request. */
export function bulkBody(calls: readonly LineCall[]): string {
  return `[${calls.map((c) => c.json).join(',')}]`;
}

/** Bytes of the bulk body of `calls`: the brackets, the calls and the commas between them. */
export function bulkBytes(calls: readonly LineCall[]): number {
  return calls.reduce((sum, c) => sum + c.bytes, 2) + Math.max(calls.length - 1, 0);
}

/**
 * Gathers calls into batches within the limits: `add` answers the batch to send first when the call does
 * not fit beside the ones gathered so far; `flush` answers what is left.
 */
export class Batcher {
  private calls: LineCall[] = [];
  private bytes = 2;

  constructor(
    private readonly limits: BatchLimits,
    private readonly label: string,
  ) {}

  add(call: LineCall): LineCall[] | undefined {
    if (call.bytes + 2 > this.limits.maxBytes) {
      throw new CliError(
        `${this.label}:${call.line}: the call is ${call.bytes} bytes; a bulk request holds at most ${this.limits.maxBytes} bytes`,
      );
    }
    let full: LineCall[] | undefined;
    const extra = call.bytes + (this.calls.length > 0 ? 1 : 0);
    if (this.calls.length >= this.limits.maxCalls || this.bytes + extra > this.limits.maxBytes) full = this.flush();
    this.bytes += call.bytes + (this.calls.length > 0 ? 1 : 0);
    this.calls.push(call);
    return full;
  }

  flush(): LineCall[] | undefined {
    if (this.calls.length === 0) return undefined;
    const batch = this.calls;
    this.calls = [];
    this.bytes = 2;
    return batch;
  }
}
