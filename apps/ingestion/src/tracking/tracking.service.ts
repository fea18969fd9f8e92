import { Injectable, Logger } from '@nestjs/common';
import { TrackingCallRecord, utcDay } from '@exportd/records';
import { Clock, newId } from '@exportd/runtime';
import { trackingCalls } from '../metrics';
import { IngestionBusy, InvalidTrackingCall, StoreFailed, StoreOutcomeUnknown } from './tracking.errors';
import { SuppressionList } from './suppression-list';
import { TrackingInput, TrackResult } from './tracking.model';
import { TrackingProjector } from './tracking.projector';
import { FeedbackUpdate, TrackingRepository } from './tracking.repository';
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
 * Calls of suppressed users (see SuppressionList) are answered as success but not stored; they are picked
 * out when their round is stored, so a suppression takes effect for every round after the erasure's step.
 *
 * A feedback call with a feedbackId is stored as `<appId>:fb:<feedbackId>`: the first call of that id is
 * inserted, a later one updates that one record instead (see `applyFeedbackUpdates`); the messageIds of the
 * calls applied to it are kept on it, so a retried call (same messageId) is a duplicate even after a later one.
 *
 * An error answer means nothing of the batch is stored: a batch is written only while its caller still
 * waits (its gRPC deadline, less a margin for the answer to travel back), a write acknowledged too late is
 * removed again, and a failed write removes what it may have written (each record carries its round's
 * journalId). Only when that removal fails too is the answer StoreOutcomeUnknown.
 */
/** Most calls stored in one round (one insertMany, one bulkWrite per collection). */
const MAX_ROUND_CALLS = 5_000;
/** Longest a batch may wait in its app's queue before it is refused unstored (IngestionBusy). */
const MAX_QUEUE_WAIT_MS = 15_000;
/** Time kept before the caller's deadline for the answer (or the removal of a late write) to reach it. */
const ANSWER_MARGIN_MS = 2_000;

interface QueuedBatch {
  calls: TrackingInput[];
  /** Epoch ms after which its write may no longer start. */
  startBy: number;
  /** Epoch ms after which an acknowledged write is too late: the caller may have given up, so it is removed. */
  commitBy: number;
  expiry?: NodeJS.Timeout;
  resolve: (outcomes: CallOutcome[]) => void;
  reject: (error: unknown) => void;
}

type CallOutcome = 'stored' | 'duplicate' | 'suppressed';

/** A step run alone in the app's queue: after the batches queued before it, before those queued after. */
interface ExclusiveStep {
  run: () => Promise<void>;
}

interface AppQueue {
  entries: (QueuedBatch | ExclusiveStep)[];
  running: boolean;
}

function isStep(entry: QueuedBatch | ExclusiveStep): entry is ExclusiveStep {
  return 'run' in entry;
}

/** A call's record before it is written: when it was received is the instant of the write. */
type UnreceivedCall = Omit<TrackingCallRecord, 'receivedAt' | 'receivedDay'>;

/** One call of a round to a feedback with a feedbackId, with its own record (its fields, its companies). */
interface FeedbackCall {
  batch: QueuedBatch;
  index: number;
  record: UnreceivedCall;
}

/** The records of one round and, per batch, the record id of each of its calls (null: suppressed, not stored). */
interface PreparedRound {
  records: UnreceivedCall[];
  idsOf: Map<QueuedBatch, (string | null)[]>;
  /**
   * Calls answered as duplicates without a write: their messageId repeats one earlier in the same round
   * (stored once), or they name a feedback of the round with another user or feature.
   */
  repeated: Map<QueuedBatch, Set<number>>;
  /** Per feedback record of the round (`<appId>:fb:<feedbackId>`): its calls in arrival order. */
  feedback: Map<string, FeedbackCall[]>;
}

/** The fields a later call of a feedback changes when it sends them. */
const FEEDBACK_FIELDS = ['score', 'comment', 'question', 'promptedQuestion', 'promptId', 'source'] as const;

function isFeedbackRecordId(appId: string, id: string): boolean {
  return id.startsWith(`${appId}:fb:`);
}

@Injectable()
export class TrackingService {
  private readonly logger = new Logger('tracking');
  private readonly queues = new Map<string, AppQueue>();

  constructor(
    private readonly repository: TrackingRepository,
    private readonly projector: TrackingProjector,
    private readonly priority: WritePriority,
    private readonly clock: Clock,
    private readonly suppressions: SuppressionList,
  ) {}

  /** `deadline`: epoch ms when the caller stops waiting (its gRPC deadline); absent, the queue limit alone. */
  async track(appId: string, calls: TrackingInput[], deadline = Infinity): Promise<TrackResult> {
    if (!appId) throw new InvalidTrackingCall('appId is required');
    calls.forEach(checkCall);
    if (calls.length === 0) return { stored: 0, duplicates: 0, suppressed: 0 };
    const outcomes = await this.enqueue(appId, calls, deadline);
    const count = (outcome: CallOutcome) => outcomes.filter((o) => o === outcome).length;
    const result = { stored: count('stored'), duplicates: count('duplicate'), suppressed: count('suppressed') };
    trackingCalls.inc({ outcome: 'stored' }, result.stored);
    trackingCalls.inc({ outcome: 'deduplicated' }, result.duplicates);
    trackingCalls.inc({ outcome: 'suppressed' }, result.suppressed);
    return result;
  }

  /**
   * Runs `step` as an exclusive step of the app: the batches queued before it are stored and applied by the
   * projector first (its backlog empty, its journal entries closed), no round of the app is stored or applied
   * while it runs, and batches arriving meanwhile are stored after it (they wait in the queue as usual, and
   * are refused with IngestionBusy if the step outlasts their wait).
   */
  exclusive<T>(appId: string, step: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.queueOf(appId);
      queue.entries.push({
        run: () => this.projector.exclusive(appId, step).then(resolve, reject),
      });
      if (!queue.running) void this.drain(appId, queue);
    });
  }

  private queueOf(appId: string): AppQueue {
    let queue = this.queues.get(appId);
    if (!queue) {
      queue = { entries: [], running: false };
      this.queues.set(appId, queue);
    }
    return queue;
  }

  /**
   * Batches of one app are written one after another: FerretDB (1.24) loses concurrent updates of one
   * document ($inc, $max, $set), so two batches touching the same profile or counter must not overlap.
   * Batches arriving meanwhile are stored together in the next round (group commit), so the queue does not
   * cost throughput: the busier the app, the larger each round.
   */
  private enqueue(appId: string, calls: TrackingInput[], deadline: number): Promise<CallOutcome[]> {
    const queue = this.queueOf(appId);
    const now = Date.now();
    const commitBy = deadline - Math.min(ANSWER_MARGIN_MS, Math.max(0, deadline - now) / 4);
    const startBy = Math.min(now + MAX_QUEUE_WAIT_MS, commitBy);
    const promise = new Promise<CallOutcome[]>((resolve, reject) => {
      const batch: QueuedBatch = { calls, startBy, commitBy, resolve, reject };
      // Refused as soon as it can no longer start, so the caller hears it before its deadline.
      batch.expiry = setTimeout(() => {
        const index = queue.entries.indexOf(batch);
        if (index < 0) return;
        queue.entries.splice(index, 1);
        reject(new IngestionBusy(appId, 'the calls waited too long'));
      }, startBy - now);
      queue.entries.push(batch);
    });
    if (!queue.running) void this.drain(appId, queue);
    return promise;
  }

  private async drain(appId: string, queue: AppQueue): Promise<void> {
    queue.running = true;
    while (queue.entries.length > 0) {
      const head = queue.entries[0];
      if (head && isStep(head)) {
        queue.entries.shift();
        await head.run();
        continue;
      }
      // The batches up to the next step, within the round's size.
      const round: QueuedBatch[] = [];
      let size = 0;
      for (const entry of queue.entries) {
        if (isStep(entry) || (round.length > 0 && size + entry.calls.length > MAX_ROUND_CALLS)) break;
        round.push(entry);
        size += entry.calls.length;
      }
      queue.entries.splice(0, round.length);
      for (const batch of round) clearTimeout(batch.expiry);
      await this.storeRound(appId, round);
    }
    queue.running = false;
    if (this.queues.get(appId) === queue) this.queues.delete(appId);
  }

  /** Stores one round and settles each of its batches; never throws. */
  private async storeRound(appId: string, batches: QueuedBatch[]): Promise<void> {
    try {
      await this.projector.roomFor(appId);
    } catch (error) {
      for (const batch of batches) batch.reject(error);
      return;
    }
    // A batch whose caller will have given up before its write could be answered is refused unstored.
    const startedAt = Date.now();
    const live = batches.filter((batch) => startedAt <= batch.startBy);
    for (const batch of batches)
      if (startedAt > batch.startBy) batch.reject(new IngestionBusy(appId, 'the calls waited too long'));
    if (live.length === 0) return;

    let round: PreparedRound;
    try {
      round = await this.prepare(appId, live);
    } catch (error) {
      // Nothing is written yet (reading the suppressions or the users' companies failed).
      this.logger.error(`preparing calls of ${appId} failed: ${(error as Error).message}`);
      for (const batch of live) batch.reject(new StoreFailed());
      return;
    }
    if (round.records.length === 0) {
      // Every call was of a suppressed user: nothing to write.
      for (const batch of live) batch.resolve(batch.calls.map(() => 'suppressed'));
      return;
    }
    const journalId = newId('jrn');
    for (const record of round.records) record.journalId = journalId;
    let existing: Set<string>;
    let stored: TrackingCallRecord[] = [];
    /** Calls of feedback stored before whose update matched nothing (answered as duplicates). */
    let unapplied = new Set<FeedbackCall>();
    let updating = false;
    try {
      // The journal entry goes first (see TrackingProjector); both writes take the raw inserts' priority.
      existing = await this.priority.insert(async () => {
        // Received when written, not on arrival, so that no call is stamped earlier than it can be read.
        const receivedAt = this.clock.now();
        const receivedDay = utcDay(receivedAt);
        stored = round.records.map((record) => ({ ...record, receivedAt, receivedDay }));
        await this.repository.openJournal(
          appId,
          journalId,
          stored.map((r) => r._id),
          receivedAt,
        );
        const collided = await this.repository.insertCalls(appId, stored);
        updating = true;
        unapplied = await this.applyFeedbackUpdates(appId, round, collided, receivedAt);
        return collided;
      });
    } catch (error) {
      this.logger.error(`storing ${round.records.length} calls of ${appId} failed: ${(error as Error).message}`);
      const outcome = await this.removeRound(
        appId,
        journalId,
        round.records.map((r) => r._id),
      );
      // Updates of feedback stored before cannot be taken back: some of them may have been applied.
      for (const batch of live) batch.reject(updating && outcome instanceof StoreFailed ? new StoreOutcomeUnknown() : outcome);
      return;
    }

    // Acknowledged too late for some batches: what only they stored is removed again before they are answered.
    const ackedAt = Date.now();
    const late = new Set(live.filter((batch) => ackedAt > batch.commitBy));
    const removed = new Set<string>();
    if (late.size > 0) {
      const kept = new Set(live.filter((batch) => !late.has(batch)).flatMap((batch) => round.idsOf.get(batch) ?? []));
      kept.delete(null);
      const stale = round.records.map((r) => r._id).filter((id) => !existing.has(id) && !kept.has(id));
      let answer: Error = new IngestionBusy(appId, 'the calls were stored too late for the answer to arrive in time');
      try {
        await this.repository.removeCalls(appId, journalId, stale);
        for (const id of stale) removed.add(id);
      } catch (error) {
        this.logger.error(`removing late calls of ${appId} failed: ${(error as Error).message}`);
        answer = new StoreOutcomeUnknown();
      }
      // A late batch whose feedback call took effect in a record that stays (an update of a feedback stored
      // before, or a part of a new one that an answered batch keeps) is told the outcome is unknown.
      const tookEffect = new Set<QueuedBatch>();
      for (const [id, calls] of round.feedback) {
        if (removed.has(id)) continue;
        for (const call of calls) if (!unapplied.has(call)) tookEffect.add(call.batch);
      }
      for (const batch of late) batch.reject(tookEffect.has(batch) ? new StoreOutcomeUnknown() : answer);
    }

    this.projector.add(
      appId,
      stored.filter((r) => !existing.has(r._id) && !removed.has(r._id)),
      journalId,
    );
    const unappliedAt = new Map<QueuedBatch, Set<number>>();
    for (const call of unapplied) unappliedAt.set(call.batch, (unappliedAt.get(call.batch) ?? new Set<number>()).add(call.index));
    for (const batch of live) {
      if (late.has(batch)) continue;
      const repeated = round.repeated.get(batch);
      const notApplied = unappliedAt.get(batch);
      batch.resolve(
        (round.idsOf.get(batch) ?? []).map((id, index): CallOutcome => {
          if (id === null) return 'suppressed';
          if (repeated?.has(index) || notApplied?.has(index)) return 'duplicate';
          // A collision is a retried messageId, except for feedback with a feedbackId: that one was updated.
          return existing.has(id) && !isFeedbackRecordId(appId, id) ? 'duplicate' : 'stored';
        }),
      );
    }
  }

  /**
   * The second part of a round's write: every feedback call of the round whose `<appId>:fb:<feedbackId>`
   * record already existed (its insert collided) is applied to that record, one update per call, in arrival
   * order. This is no shared read-modify-write: the app's rounds run one after another (see `drain`), so
   * the round is the only writer of the app's raw calls while it runs; calls of one feedback are applied in
   * sequence, different feedback records concurrently (each update touches one document). Answers the calls
   * whose update matched nothing (their messageId was applied before, or the feedback is another user's or
   * feature's): answered as duplicates.
   */
  private async applyFeedbackUpdates(
    appId: string,
    round: PreparedRound,
    collided: Set<string>,
    receivedAt: Date,
  ): Promise<Set<FeedbackCall>> {
    const unapplied = new Set<FeedbackCall>();
    const work = [...round.feedback].filter(([id]) => collided.has(id));
    const receivedDay = utcDay(receivedAt);
    for (let start = 0; start < work.length; start += UPDATE_CONCURRENCY) {
      await Promise.all(
        work.slice(start, start + UPDATE_CONCURRENCY).map(async ([id, calls]) => {
          for (const call of calls) {
            const applied = await this.repository.updateFeedback(appId, id, feedbackUpdate(call.record, receivedAt, receivedDay));
            if (!applied) unapplied.add(call);
          }
        }),
      );
    }
    return unapplied;
  }

  /** After a failed write: removes whatever the round stored, and says what its callers are told. */
  private async removeRound(appId: string, journalId: string, ids: string[]): Promise<Error> {
    try {
      await this.repository.removeCalls(appId, journalId, ids);
    } catch (error) {
      // The journal entry stays open: a restart applies whatever of the round is stored.
      this.logger.error(`removing the failed round ${journalId} of ${appId} failed: ${(error as Error).message}`);
      return new StoreOutcomeUnknown();
    }
    await this.repository.closeJournal(appId, journalId).catch(() => undefined); // an open entry with no calls is harmless
    return new StoreFailed();
  }

  /** The records of a round, with each call's companies as of arrival (company calls earlier in the round add to them). */
  private async prepare(appId: string, batches: QueuedBatch[]): Promise<PreparedRound> {
    const isSuppressed = await this.suppressions.matcher(appId);
    const refused = new Set(
      batches.flatMap((batch) => batch.calls.filter((c) => c.userId !== undefined && isSuppressed(c.userId))),
    );
    const calls = batches.flatMap((batch) => batch.calls).filter((call) => !refused.has(call));
    const userIds = [...new Set(calls.filter((c) => c.userId && !c.companyId).map((c) => c.userId as string))];
    const companiesOf = await this.repository.userCompanies(appId, userIds);
    for (const userId of userIds) {
      const pending = this.projector.pendingCompanies(appId, userId);
      if (pending.length > 0) companiesOf.set(userId, [...new Set([...(companiesOf.get(userId) ?? []), ...pending])]);
    }

    const round: PreparedRound = { records: [], idsOf: new Map(), repeated: new Map(), feedback: new Map() };
    const seenIds = new Set<string>();
    /** The record of each feedback of the round, its calls merged in order. */
    const merged = new Map<string, UnreceivedCall>();
    for (const batch of batches) {
      const ids: (string | null)[] = [];
      const repeated = new Set<number>();
      for (const [index, call] of batch.calls.entries()) {
        // Any call naming a suppressed user, a company call too (its link would name the user).
        if (refused.has(call)) {
          ids.push(null);
          continue;
        }
        if (call.type === 'company' && call.userId && call.companyId) {
          const list = companiesOf.get(call.userId) ?? [];
          if (!list.includes(call.companyId)) companiesOf.set(call.userId, [...list, call.companyId]);
        }
        const record = toRecord(appId, call, companiesOf);
        ids.push(record._id);
        const feedbackCalls = round.feedback.get(record._id);
        if (isFeedbackRecordId(appId, record._id)) {
          if (!feedbackCalls) {
            // The record to insert is a copy: later calls of the round merge into it, each call keeps its own.
            round.feedback.set(record._id, [{ batch, index, record }]);
            const copy: UnreceivedCall = { ...record, companyIds: [...record.companyIds] };
            // (An absent list must stay absent: the driver would store an undefined field as null.)
            if (record.messageIds) copy.messageIds = [...record.messageIds];
            merged.set(record._id, copy);
            continue;
          }
          // A later call of a feedback of this round: merged into its record, as an update would.
          const target = merged.get(record._id);
          const retried = call.messageId !== undefined && feedbackCalls.some((c) => c.record.messageId === call.messageId);
          if (!target || retried || target.userId !== record.userId || target.featureId !== record.featureId) repeated.add(index);
          else {
            feedbackCalls.push({ batch, index, record });
            mergeFeedback(target, record);
          }
        } else if (seenIds.has(record._id)) repeated.add(index);
        else {
          seenIds.add(record._id);
          round.records.push(record);
        }
      }
      round.idsOf.set(batch, ids);
      round.repeated.set(batch, repeated);
    }
    // Feedback records are inserted after the round's other calls (their order in one insertMany is free).
    round.records.push(...merged.values());
    return round;
  }
}

/** Updates of feedback records run this many at a time (different records). */
const UPDATE_CONCURRENCY = 16;

/** The fields a later call changes in a feedback stored before (the user and feature stay the first call's). */
function feedbackUpdate(record: UnreceivedCall, receivedAt: Date, receivedDay: string): FeedbackUpdate {
  const set: Partial<TrackingCallRecord> = { timestamp: record.timestamp, day: record.day, receivedAt, receivedDay };
  for (const field of FEEDBACK_FIELDS) if (record[field] !== undefined) Object.assign(set, { [field]: record[field] });
  if (record.companyId !== undefined) {
    set.companyId = record.companyId;
    set.companyIds = record.companyIds;
  }
  if (record.messageId !== undefined) set.messageId = record.messageId;
  return { set, messageId: record.messageId, userId: record.userId, featureId: record.featureId };
}

/** Applies a later call of the same feedback, within one round, to the record to be inserted. */
function mergeFeedback(target: UnreceivedCall, later: UnreceivedCall): void {
  for (const field of FEEDBACK_FIELDS) if (later[field] !== undefined) Object.assign(target, { [field]: later[field] });
  if (later.companyId !== undefined) {
    target.companyId = later.companyId;
    target.companyIds = later.companyIds;
  }
  target.timestamp = later.timestamp;
  target.day = later.day;
  if (later.messageId !== undefined) {
    target.messageId = later.messageId;
    target.messageIds = [...(target.messageIds ?? []), later.messageId];
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

/** Texts a call may carry (Bucket's feedback fields, page views), stored only when given. */
const OPTIONAL_TEXT_FIELDS = [
  'question',
  'promptedQuestion',
  'promptId',
  'source',
  'feedbackId',
  'url',
  'path',
  'title',
  'referrer',
] as const;

function toRecord(appId: string, call: TrackingInput, companiesOf: Map<string, string[]>): UnreceivedCall {
  let companyIds: string[] = [];
  if (call.companyId) companyIds = [call.companyId];
  else if ((call.type === 'event' || call.type === 'feedback' || call.type === 'page') && call.userId)
    companyIds = [...(companiesOf.get(call.userId) ?? [])];
  const record: UnreceivedCall = {
    _id: recordId(appId, call),
    appId,
    type: call.type,
    attributes: call.attributes,
    active: call.active,
    timestamp: call.timestamp,
    day: utcDay(call.timestamp),
    companyIds,
  };
  if (call.messageId !== undefined) record.messageId = call.messageId;
  if (call.userId !== undefined) record.userId = call.userId;
  if (call.companyId !== undefined) record.companyId = call.companyId;
  if (call.event !== undefined) record.event = call.event;
  if (call.featureId !== undefined) record.featureId = call.featureId;
  if (call.score !== undefined) record.score = call.score;
  if (call.comment !== undefined) record.comment = call.comment;
  for (const field of OPTIONAL_TEXT_FIELDS) if (call[field] !== undefined) record[field] = call[field];
  if (call.type === 'feedback' && call.feedbackId && call.messageId !== undefined) record.messageIds = [call.messageId];
  return record;
}

/**
 * A feedback with a feedbackId: `<appId>:fb:<feedbackId>`, so a later call of it collides with the stored one
 * and updates it (its messageId is checked against the feedback's messageIds instead). Any other call with a
 * messageId: `<appId>:m:<messageId>`, so a retry collides and is a duplicate. Else a random id.
 */
function recordId(appId: string, call: TrackingInput): string {
  if (call.type === 'feedback' && call.feedbackId) return `${appId}:fb:${call.feedbackId}`;
  return call.messageId ? `${appId}:m:${call.messageId}` : `${appId}:${newId()}`;
}
