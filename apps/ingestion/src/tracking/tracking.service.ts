import { Injectable } from '@nestjs/common';
import { escapeAttributeKey, TrackingCallRecord, unescapeAttributeKey, utcDay } from '@exportd/records';
import { Clock, newId } from '@exportd/runtime';
import { InvalidTrackingCall } from './tracking.errors';
import { TrackingInput, TrackResult } from './tracking.model';
import { ProfileChange, TrackingRepository, UsageIncrement } from './tracking.repository';

/**
 * Stores a batch of tracking calls of one app, in this order (no transactions; each step is idempotent or
 * guarded by the previous one):
 * 1. the raw calls, one insertMany; a call whose messageId was stored before collides on its `_id` and is
 *    counted as a duplicate (answered as success, not stored or counted again);
 * 2. user and company profiles, one bulkWrite each ($min firstSeen, $max lastSeen unless context.active is
 *    false, $set of escaped attribute keys, $addToSet for user <-> company links);
 * 3. daily usage counters of the new event calls, per company (an event without companyId counts for the
 *    companies the user belonged to when it arrived);
 * 4. each company's merged attributes as of the day of its company calls.
 * A failure in 2-4 fails the request (the client retries; messageIds make the retry store nothing twice,
 * but the usage counts of calls whose raw record was already written are then not incremented again).
 */
/** Most calls stored in one round (one insertMany, one bulkWrite per collection). */
const MAX_ROUND_CALLS = 5_000;

interface AppQueue {
  items: { calls: TrackingInput[]; resolve: (duplicates: boolean[]) => void; reject: (error: unknown) => void }[];
  running: boolean;
}

@Injectable()
export class TrackingService {
  private readonly queues = new Map<string, AppQueue>();

  constructor(
    private readonly repository: TrackingRepository,
    private readonly clock: Clock,
  ) {}

  async track(appId: string, calls: TrackingInput[]): Promise<TrackResult> {
    if (!appId) throw new InvalidTrackingCall('appId is required');
    calls.forEach(checkCall);
    if (calls.length === 0) return { stored: 0, duplicates: 0 };
    const duplicateFlags = await this.enqueue(appId, calls);
    const duplicates = duplicateFlags.filter(Boolean).length;
    return { stored: calls.length - duplicates, duplicates };
  }

  /**
   * Batches of one app are written one after another: FerretDB (1.24, SQLite) loses concurrent updates of
   * one document ($inc, $max, $set), so two batches touching the same profile or counter must not overlap.
   * Batches arriving meanwhile are stored together in the next round (group commit), so the queue does not
   * cost throughput: the busier the app, the larger each round.
   */
  private enqueue(appId: string, calls: TrackingInput[]): Promise<boolean[]> {
    let queue = this.queues.get(appId);
    if (!queue) {
      queue = { items: [], running: false };
      this.queues.set(appId, queue);
    }
    const promise = new Promise<boolean[]>((resolve, reject) => queue.items.push({ calls, resolve, reject }));
    if (!queue.running) void this.drain(appId, queue);
    return promise;
  }

  private async drain(appId: string, queue: AppQueue): Promise<void> {
    queue.running = true;
    while (queue.items.length > 0) {
      let size = 0;
      let count = 0;
      while (count < queue.items.length && (count === 0 || size + (queue.items[count]?.calls.length ?? 0) <= MAX_ROUND_CALLS)) {
        size += queue.items[count]?.calls.length ?? 0;
        count += 1;
      }
      const round = queue.items.splice(0, count);
      try {
        const flags = await this.store(
          appId,
          round.flatMap((item) => item.calls),
        );
        let offset = 0;
        for (const item of round) {
          item.resolve(flags.slice(offset, offset + item.calls.length));
          offset += item.calls.length;
        }
      } catch (error) {
        for (const item of round) item.reject(error);
      }
    }
    queue.running = false;
    if (this.queues.get(appId) === queue) this.queues.delete(appId);
  }

  /** Stores one round; answers, per call, whether it was a duplicate (its messageId was stored before). */
  private async store(appId: string, calls: TrackingInput[]): Promise<boolean[]> {
    // Users' companies as of arrival; company calls earlier in the batch add to them.
    const userIds = [...new Set(calls.filter((c) => c.userId && !c.companyId).map((c) => c.userId as string))];
    const companiesOf = await this.repository.userCompanies(appId, userIds);

    const seenIds = new Set<string>();
    const ids: string[] = [];
    const repeatedInRound = new Set<number>();
    const records: TrackingCallRecord[] = [];
    for (const [index, call] of calls.entries()) {
      if (call.type === 'company' && call.userId && call.companyId) {
        const list = companiesOf.get(call.userId) ?? [];
        if (!list.includes(call.companyId)) companiesOf.set(call.userId, [...list, call.companyId]);
      }
      const record = toRecord(appId, call, companiesOf);
      ids.push(record._id);
      if (seenIds.has(record._id)) {
        repeatedInRound.add(index); // the same messageId twice in one round
        continue;
      }
      seenIds.add(record._id);
      records.push(record);
    }

    const existing = await this.repository.insertCalls(appId, records);
    const fresh = records.filter((r) => !existing.has(r._id));

    const now = this.clock.now();
    const { users, companies } = profileChanges(fresh);
    await Promise.all([this.repository.applyUsers(appId, users, now), this.repository.applyCompanies(appId, companies, now)]);
    await this.repository.incrementUsage(appId, usageIncrements(fresh));

    const companyDays = new Map<string, Set<string>>();
    for (const r of fresh) {
      if (r.type !== 'company' || !r.companyId) continue;
      companyDays.set(r.companyId, (companyDays.get(r.companyId) ?? new Set()).add(r.day));
    }
    if (companyDays.size > 0) {
      const stored = await this.repository.companyAttributes(appId, [...companyDays.keys()]);
      const rows = [...companyDays].flatMap(([companyId, days]) =>
        [...days].map((day) => ({ companyId, day, attributes: mergedJson(stored.get(companyId) ?? {}) })),
      );
      await this.repository.setCompanyAttributesDaily(appId, rows);
    }
    return ids.map((id, index) => repeatedInRound.has(index) || existing.has(id));
  }
}

function checkCall(call: TrackingInput, index: number): void {
  const missing: string[] = [];
  if (call.type !== 'company' && !call.userId) missing.push('userId');
  if (call.type === 'company' && !call.companyId) missing.push('companyId');
  if (call.type === 'event' && !call.event) missing.push('event');
  if (call.type === 'feedback' && !call.featureId) missing.push('featureId');
  if (call.type === 'feedback' && call.score === undefined && call.comment === undefined) missing.push('score or comment');
  if (Number.isNaN(call.timestamp.getTime())) missing.push('timestamp');
  if (missing.length > 0)
    throw new InvalidTrackingCall(`calls[${index}] (${call.type}) lacks ${missing.join(', ')}`, { index, missing });
}

function toRecord(appId: string, call: TrackingInput, companiesOf: Map<string, string[]>): TrackingCallRecord {
  let companyIds: string[] = [];
  if (call.companyId) companyIds = [call.companyId];
  else if ((call.type === 'event' || call.type === 'feedback') && call.userId)
    companyIds = [...(companiesOf.get(call.userId) ?? [])];
  const record: TrackingCallRecord = {
    _id: call.messageId ? `${appId}:m:${call.messageId}` : `${appId}:${newId()}`,
    appId,
    type: call.type,
    attributes: call.attributes,
    active: call.active,
    timestamp: call.timestamp,
    day: utcDay(call.timestamp),
    receivedAt: call.receivedAt,
    companyIds,
  };
  if (call.messageId !== undefined) record.messageId = call.messageId;
  if (call.userId !== undefined) record.userId = call.userId;
  if (call.companyId !== undefined) record.companyId = call.companyId;
  if (call.event !== undefined) record.event = call.event;
  if (call.featureId !== undefined) record.featureId = call.featureId;
  if (call.score !== undefined) record.score = call.score;
  if (call.comment !== undefined) record.comment = call.comment;
  return record;
}

/** Attributes of a call as escaped key -> JSON text of the value. */
export function escapedAttributes(json: string): Record<string, string> {
  const parsed = JSON.parse(json) as unknown;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [key, value] of Object.entries(parsed)) out[escapeAttributeKey(key)] = JSON.stringify(value);
  return out;
}

/** The effect of the calls on profiles, merged per user and per company (calls in batch order). */
export function profileChanges(records: TrackingCallRecord[]): { users: ProfileChange[]; companies: ProfileChange[] } {
  const users = new Map<string, ProfileChange>();
  const companies = new Map<string, ProfileChange>();
  const touch = (map: Map<string, ProfileChange>, id: string, r: TrackingCallRecord): ProfileChange => {
    let change = map.get(id);
    if (!change) {
      change = { id, firstSeen: r.timestamp, attributes: Object.create(null) as Record<string, string>, links: [] };
      map.set(id, change);
    }
    if (r.timestamp < change.firstSeen) change.firstSeen = r.timestamp;
    if (r.active && (!change.lastSeen || r.timestamp > change.lastSeen)) change.lastSeen = r.timestamp;
    return change;
  };
  const link = (change: ProfileChange, id: string) => {
    if (!change.links.includes(id)) change.links.push(id);
  };
  for (const r of records) {
    switch (r.type) {
      case 'user':
        Object.assign(touch(users, r.userId as string, r).attributes, escapedAttributes(r.attributes));
        break;
      case 'company': {
        const company = touch(companies, r.companyId as string, r);
        Object.assign(company.attributes, escapedAttributes(r.attributes));
        if (r.userId) {
          link(company, r.userId);
          link(touch(users, r.userId, r), r.companyId as string);
        }
        break;
      }
      case 'event':
        touch(users, r.userId as string, r);
        for (const companyId of r.companyIds) touch(companies, companyId, r);
        break;
      case 'feedback':
        break;
    }
  }
  return { users: [...users.values()], companies: [...companies.values()] };
}

/** Per company, event and day: how many new event calls. */
export function usageIncrements(records: TrackingCallRecord[]): UsageIncrement[] {
  const counts = new Map<string, UsageIncrement>();
  for (const r of records) {
    if (r.type !== 'event' || !r.event) continue;
    for (const companyId of r.companyIds) {
      const key = JSON.stringify([companyId, r.event, r.day]);
      const entry = counts.get(key);
      if (entry) entry.count += 1;
      else counts.set(key, { companyId, event: r.event, day: r.day, count: 1 });
    }
  }
  return [...counts.values()];
}

/** A company's stored attributes (escaped keys, JSON texts) as the JSON text of one plain object. */
function mergedJson(stored: Record<string, string>): string {
  const parts = Object.entries(stored).map(([key, json]) => `${JSON.stringify(unescapeAttributeKey(key))}:${json}`);
  return `{${parts.join(',')}}`;
}
