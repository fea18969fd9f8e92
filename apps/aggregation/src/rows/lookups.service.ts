import { Injectable } from '@nestjs/common';
import { RAW_COLLECTIONS, unescapeAttributeKey } from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import { Connection } from 'mongoose';
import { SegmentsService } from '../segments/segments.service';
import { InvalidRowFilter, LookupNotAvailable } from './rows.errors';

export interface LookupPage {
  items: unknown[];
  afterCursor: string;
  beforeCursor: string;
  limit: number;
  totalCount: number;
}

/** How many recent profiles or events a property lookup samples (properties are discovered, not declared). */
export const LOOKUP_SAMPLE = 5_000;
export const DEFAULT_LOOKUP_LIMIT = 50;
const MAX_LOOKUP_LIMIT = 500;

/**
 * The Bulk Data Export API's lookups that fit this platform's data: user and company properties (keys seen
 * in profiles), features and events (event names with counts), and event properties (keys seen in the
 * attributes of recent events, per event), and segments, paginated with an opaque cursor.
 */
/** The Bulk API's event types and where each one's rows come from on this platform. */
const EVENT_TYPES = [
  { event_type: 'identify_user', available: true, source: 'user calls' },
  { event_type: 'identify_company', available: true, source: 'company calls' },
  { event_type: 'page_view', available: true, source: 'page calls (/page, Segment page and screen)' },
  { event_type: 'track', available: true, source: 'event calls' },
  { event_type: 'track_feature', available: true, source: "event calls matching a feature's event rule, one row per feature" },
  { event_type: 'interaction', available: false, source: 'none: this platform has no in-app experiences' },
  { event_type: 'feedback', available: true, source: 'feedback calls' },
];

@Injectable()
export class LookupsService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly segments: SegmentsService,
  ) {}

  async lookup(appId: string, name: string, afterCursor: string, limit: number): Promise<LookupPage> {
    if (!appId) throw new InvalidRowFilter('app_id is required');
    const items = await this.all(appId, name);
    const size = Math.min(Math.max(limit || DEFAULT_LOOKUP_LIMIT, 1), MAX_LOOKUP_LIMIT);
    const offset = decodeCursor(afterCursor);
    const page = items.slice(offset, offset + size);
    const next = offset + size < items.length ? encodeCursor(offset + size) : '';
    const previous = offset > 0 ? encodeCursor(Math.max(0, offset - size)) : '';
    return { items: page, afterCursor: next, beforeCursor: previous, limit: size, totalCount: items.length };
  }

  private async all(appId: string, name: string): Promise<unknown[]> {
    switch (name) {
      case 'user_properties':
        return this.profileProperties(appId, RAW_COLLECTIONS.users);
      case 'company_properties':
        return this.profileProperties(appId, RAW_COLLECTIONS.companies);
      case 'features_events':
        return this.events(appId);
      case 'event_types':
        return EVENT_TYPES;
      case 'events_properties':
        return this.eventProperties(appId);
      case 'segments':
        return (await this.segments.list(appId)).map((s) => ({
          id: s._id,
          name: s.name,
          filter: s.filter,
          inserted_at: s.createdAt.toISOString(),
          updated_at: s.updatedAt.toISOString(),
        }));
      default:
        throw new LookupNotAvailable(name);
    }
  }

  private async profileProperties(appId: string, collection: string): Promise<unknown[]> {
    const seen = new Map<string, string>();
    const cursor = this.connection
      .collection(collection)
      .find({ appId }, { projection: { attributes: 1 }, sort: { _id: 1 }, limit: LOOKUP_SAMPLE });
    for await (const doc of cursor) {
      for (const [key, json] of Object.entries((doc.attributes ?? {}) as Record<string, string>)) {
        const name = unescapeAttributeKey(key);
        if (!seen.has(name)) seen.set(name, dataType(safeParse(json)));
      }
    }
    return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, type]) => property(key, type, null));
  }

  private async events(appId: string): Promise<unknown[]> {
    const groups = await this.connection
      .collection(RAW_COLLECTIONS.calls)
      .aggregate<{ _id: string | null; count: number }>([
        { $match: { appId, type: 'event' } },
        { $group: { _id: '$event', count: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    return groups
      .filter((g) => g._id)
      .map((g) => ({ id: g._id, key: g._id, display_name: g._id, type: 'event', count: g.count }));
  }

  private async eventProperties(appId: string): Promise<unknown[]> {
    const seen = new Map<string, { key: string; event: string; type: string }>();
    const cursor = this.connection
      .collection(RAW_COLLECTIONS.calls)
      .find(
        { appId, type: 'event' },
        { projection: { event: 1, attributes: 1 }, sort: { day: -1, _id: -1 }, limit: LOOKUP_SAMPLE },
      );
    for await (const doc of cursor) {
      const attributes = safeParse(doc.attributes as string);
      if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) continue;
      for (const [key, value] of Object.entries(attributes as Record<string, unknown>)) {
        const id = `${String(doc.event)}\u0000${key}`;
        if (!seen.has(id)) seen.set(id, { key, event: String(doc.event), type: dataType(value) });
      }
    }
    return [...seen.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, p]) => property(p.key, p.type, { display_name: p.event, id: p.event }));
  }
}

function property(key: string, type: string, event: { display_name: string; id: string | null } | null) {
  return {
    id: event ? `${event.id}:${key}` : key,
    key,
    display_name: key,
    data_type: type,
    category: null,
    description: null,
    is_archived: false,
    is_auto_property: false,
    ...(event ? { event } : {}),
  };
}

function dataType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'object') return 'object';
  return 'string';
}

function safeParse(json: string | undefined): unknown {
  try {
    return json ? (JSON.parse(json) as unknown) : null;
  } catch {
    return null;
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  if (!cursor) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new InvalidRowFilter('after_cursor is not a cursor this API returned');
}
