import { Injectable } from '@nestjs/common';
import { TrackingCallRecord, utcDay } from '@exportd/records';
import { Clock, newId } from '@exportd/runtime';
import { IngestionBusy, InvalidTrackingCall } from './tracking.errors';
import { TrackingInput, TrackResult } from './tracking.model';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { WritePriority } from './write-priority';

/**
 * Stores batches of tracking calls of one app:
 * 1. the raw calls, one insertMany per round; a call whose messageId was stored before collides on its
 *    `_id` and is a duplicate (answered as success, not stored or counted again). The gRPC call, and so the
 *    HTTP request, is answered when this write is acknowledged: a 200 means the call is stored.
 * 2. then the new calls go to the projector, which applies them to profiles, daily usage counters and
 *    company attributes per day (see TrackingProjector), a few milliseconds behind under light load.
 * An event or feedback without companyId is attributed, when stored, to the companies its user belonged to
 * then: those in the user's profile plus those of company calls stored but not yet applied.
 */
/** Most calls stored in one round (one insertMany, one bulkWrite per collection). */
const MAX_ROUND_CALLS = 5_000;
/** Longest a batch may wait in its app's queue before it is refused unstored (IngestionBusy). */
const MAX_QUEUE_WAIT_MS = 15_000;

interface AppQueue {
  items: {
    calls: TrackingInput[];
    queuedAt: number;
    resolve: (duplicates: boolean[]) => void;
    reject: (error: unknown) => void;
  }[];
  running: boolean;
}

@Injectable()
export class TrackingService {
  private readonly queues = new Map<string, AppQueue>();

  constructor(
    private readonly repository: TrackingRepository,
    private readonly projector: TrackingProjector,
    private readonly priority: WritePriority,
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
    const promise = new Promise<boolean[]>((resolve, reject) =>
      queue.items.push({ calls, queuedAt: performance.now(), resolve, reject }),
    );
    if (!queue.running) void this.drain(appId, queue);
    return promise;
  }

  private async drain(appId: string, queue: AppQueue): Promise<void> {
    queue.running = true;
    while (queue.items.length > 0) {
      // A batch that waited too long is refused unstored: its caller's deadline (30 s at the gateway) would
      // otherwise pass while the write still happens later, and a retry would store it twice.
      const now = performance.now();
      for (const stale of queue.items.filter((item) => now - item.queuedAt > MAX_QUEUE_WAIT_MS)) {
        stale.reject(new IngestionBusy(appId));
      }
      queue.items = queue.items.filter((item) => now - item.queuedAt <= MAX_QUEUE_WAIT_MS);
      if (queue.items.length === 0) break;
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
    await this.projector.roomFor(appId);
    const companiesOf = await this.repository.userCompanies(appId, userIds);
    for (const userId of userIds) {
      const pending = this.projector.pendingCompanies(appId, userId);
      if (pending.length > 0) companiesOf.set(userId, [...new Set([...(companiesOf.get(userId) ?? []), ...pending])]);
    }

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

    // The journal entry goes first (see TrackingProjector); both writes take the raw inserts' priority.
    const journalId = newId('jrn');
    const existing = await this.priority.insert(async () => {
      await this.repository.openJournal(
        appId,
        journalId,
        records.map((r) => r._id),
        this.clock.now(),
      );
      const duplicates = await this.repository.insertCalls(appId, records);
      if (duplicates.size > 0) {
        await this.repository.setJournalCalls(
          appId,
          journalId,
          records.filter((r) => !duplicates.has(r._id)).map((r) => r._id),
        );
      }
      return duplicates;
    });
    this.projector.add(
      appId,
      records.filter((r) => !existing.has(r._id)),
      journalId,
    );
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
