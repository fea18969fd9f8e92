import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  CompanyUsageDaysCompleteRecord,
  companyUsageDaysId,
  CompanyUsageDaysRecord,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
  usageDayEntry,
  UserProfileRecord,
} from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import { Connection, mongo } from 'mongoose';

type Collection<T extends mongo.Document> = mongo.Collection<T>;
type AnyBulkWriteOperation<T extends mongo.Document> = mongo.AnyBulkWriteOperation<T>;
type Document = mongo.Document;

/** Merged effect of a batch on one profile (user or company). */
export interface ProfileChange {
  id: string;
  firstSeen: Date;
  /** Latest time of the calls that count as activity (absent: every call had context.active=false). */
  lastSeen?: Date;
  /** escaped attribute key -> JSON text of the value; later calls of the batch win. */
  attributes: Record<string, string>;
  /** companyIds of a user, userIds of a company. */
  links: string[];
}

export interface UsageIncrement {
  companyId: string;
  event: string;
  day: string;
  count: number;
}

/** Entries (`<day>|<event>`) to add to one company's usage days. */
export interface UsageDaysChange {
  companyId: string;
  days: string[];
}

const DUPLICATE_KEY = 11000;

/** What a later feedback call with the same feedbackId changes in the stored feedback. */
export interface FeedbackUpdate {
  /** The fields it sent (score, comment, question, ...), its time and, when it named one, its company. */
  set: Partial<TrackingCallRecord>;
  /** Its messageId, if any: not applied again when the feedback already holds it. */
  messageId?: string;
  /** The stored feedback must be of this user and feature, else nothing changes. */
  userId?: string;
  featureId?: string;
}

/** Ingestion's own journal: the stored calls of one round not yet applied to profiles and counters. */
export interface ProjectionJournalRecord {
  _id: string;
  appId: string;
  callIds: string[];
  createdAt: Date;
}

/**
 * One round of the projector, written before its first update: the journal entries it applies (whole ones) and
 * whether it has applied them. Each daily counter it increments records the round's id (`lastRound`), so a
 * round applied again after a crash skips the counters it already incremented: the counts stay exact.
 */
export interface ProjectionRoundRecord {
  _id: string;
  appId: string;
  journalIds: string[];
  applied: boolean;
  createdAt: Date;
}

/**
 * The raw collections of `@exportd/records`, written with the driver directly (through the mongoose
 * connection): attribute keys such as `__proto__` and escaped `%2E` keys must reach the database untouched,
 * and batches go out as one insertMany / bulkWrite each. Every method takes the app id.
 */
@Injectable()
export class TrackingRepository implements OnModuleInit {
  private readonly calls: Collection<TrackingCallRecord>;
  private readonly users: Collection<UserProfileRecord>;
  private readonly companies: Collection<CompanyProfileRecord>;
  private readonly usage: Collection<UsageDailyRecord>;
  private readonly companyDays: Collection<CompanyAttributesDailyRecord>;
  private readonly usageDays: Collection<CompanyUsageDaysRecord>;
  private readonly usageDaysComplete: Collection<CompanyUsageDaysCompleteRecord>;
  private readonly journal: Collection<ProjectionJournalRecord>;
  private readonly rounds: Collection<ProjectionRoundRecord>;

  constructor(@InjectConnection() connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the MongoDB connection is not open');
    this.calls = db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls);
    this.users = db.collection<UserProfileRecord>(RAW_COLLECTIONS.users);
    this.companies = db.collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies);
    this.usage = db.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily);
    this.companyDays = db.collection<CompanyAttributesDailyRecord>(RAW_COLLECTIONS.companyAttributesDaily);
    this.usageDays = db.collection<CompanyUsageDaysRecord>(RAW_COLLECTIONS.companyUsageDays);
    this.usageDaysComplete = db.collection<CompanyUsageDaysCompleteRecord>(RAW_COLLECTIONS.companyUsageDaysComplete);
    this.journal = db.collection<ProjectionJournalRecord>('tracking_projection_journal');
    this.rounds = db.collection<ProjectionRoundRecord>('tracking_projection_rounds');
  }

  async onModuleInit(): Promise<void> {
    await this.calls.createIndex({ appId: 1, day: 1 });
    await this.calls.createIndex({ appId: 1, journalId: 1 });
    // Incremental exports read the calls received on one day at a time.
    await this.calls.createIndex({ appId: 1, receivedDay: 1 });
    // A user's erasure finds the user's calls.
    await this.calls.createIndex({ appId: 1, userId: 1 });
    await this.users.createIndex({ appId: 1 });
    await this.companies.createIndex({ appId: 1 });
    await this.usage.createIndex({ appId: 1, day: 1 });
    await this.companyDays.createIndex({ appId: 1, day: 1 });
    // The company data export reads each company's counters and attribute days by its id.
    await this.usage.createIndex({ appId: 1, companyId: 1 });
    await this.companyDays.createIndex({ appId: 1, companyId: 1 });
    // The retention sweep prunes an app's usage days (its other reads are by `_id`).
    await this.usageDays.createIndex({ appId: 1 });
    await this.journal.createIndex({ createdAt: 1 });
    await this.rounds.createIndex({ createdAt: 1 });
  }

  /** Written before the raw insert, so a crash never leaves stored calls that nothing will apply. */
  async openJournal(appId: string, id: string, callIds: string[], at: Date): Promise<void> {
    await this.journal.insertOne({ _id: id, appId, callIds, createdAt: at });
  }

  async closeJournal(appId: string, id: string): Promise<void> {
    await this.journal.deleteOne({ _id: id, appId });
  }

  /** Every open journal, oldest first (recovery at start-up, across apps). */
  openJournals(): Promise<ProjectionJournalRecord[]> {
    return this.journal.find({}).sort({ createdAt: 1 }).toArray();
  }

  async openRound(appId: string, id: string, journalIds: string[], at: Date): Promise<void> {
    await this.rounds.insertOne({ _id: id, appId, journalIds, applied: false, createdAt: at });
  }

  async markRoundApplied(appId: string, id: string): Promise<void> {
    await this.rounds.updateOne({ _id: id, appId }, { $set: { applied: true } });
  }

  async deleteRound(appId: string, id: string): Promise<void> {
    await this.rounds.deleteOne({ _id: id, appId });
  }

  /** Every round still on record, oldest first (recovery at start-up, across apps). */
  openRounds(): Promise<ProjectionRoundRecord[]> {
    return this.rounds.find({}).sort({ createdAt: 1 }).toArray();
  }

  /** The calls a journal entry's round stored (a retried messageId in its list was stored by an earlier round). */
  async callsOfRound(appId: string, journalId: string, ids: string[]): Promise<TrackingCallRecord[]> {
    if (ids.length === 0) return [];
    const found = await this.calls.find({ appId, journalId }).toArray();
    const order = new Map(ids.map((id, index) => [id, index]));
    return found.filter((call) => order.has(call._id)).sort((a, b) => (order.get(a._id) ?? 0) - (order.get(b._id) ?? 0));
  }

  /** Removes the calls of `ids` that the round `journalId` stored (never those an earlier round stored). */
  async removeCalls(appId: string, journalId: string, ids: string[]): Promise<void> {
    // The journalId equality (indexed) bounds the read to the round; the ids pick the calls to remove.
    if (ids.length > 0) await this.calls.deleteMany({ appId, journalId, _id: { $in: ids } });
  }

  /**
   * Inserts the calls (unordered); returns the ids that already existed (a retried messageId). Any other
   * write error fails the batch.
   */
  async insertCalls(appId: string, records: TrackingCallRecord[]): Promise<Set<string>> {
    const duplicates = new Set<string>();
    if (records.length === 0) return duplicates;
    if (records.some((r) => r.appId !== appId)) throw new Error('a call of another app in the batch');
    try {
      await this.calls.insertMany(records, { ordered: false });
    } catch (error) {
      const writeErrors = writeErrorsOf(error);
      if (!writeErrors || writeErrors.length === 0 || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      for (const e of writeErrors) duplicates.add(records[e.index]?._id ?? '');
    }
    return duplicates;
  }

  /**
   * Applies a later call to the stored feedback `id` (one updateOne, by `_id`); false when nothing matched:
   * its messageId was applied before, or the feedback is another user's or feature's. The round's single
   * writer (TrackingService) is the only one updating an app's feedback, so this is no concurrent
   * read-modify-write: the filter and `$set` are evaluated by one writer per document at a time.
   */
  async updateFeedback(appId: string, id: string, update: FeedbackUpdate): Promise<boolean> {
    const filter: Record<string, unknown> = { _id: id, appId, type: 'feedback' };
    if (update.userId !== undefined) filter.userId = update.userId;
    if (update.featureId !== undefined) filter.featureId = update.featureId;
    // An array field: `$ne` matches when no element equals it (and when the field is absent).
    if (update.messageId !== undefined) filter.messageIds = { $ne: update.messageId };
    const change: Record<string, unknown> = { $set: update.set };
    if (update.messageId !== undefined) change.$addToSet = { messageIds: update.messageId };
    const result = await this.calls.updateOne(filter as mongo.Filter<TrackingCallRecord>, change);
    return result.matchedCount > 0;
  }

  /** companyIds of the given users (absent users are left out). */
  async userCompanies(appId: string, userIds: string[]): Promise<Map<string, string[]>> {
    const found = await byIds(userIds, (id) =>
      this.users.findOne({ _id: profileId(appId, id), appId }, { projection: { userId: 1, companyIds: 1 } }),
    );
    return new Map(found.map((user) => [user.userId, user.companyIds ?? []]));
  }

  async applyUsers(appId: string, changes: ProfileChange[], now: Date): Promise<void> {
    await this.bulk(
      this.users,
      changes.map((c) => profileUpsert(appId, c, now, 'userId', 'companyIds')),
    );
  }

  async applyCompanies(appId: string, changes: ProfileChange[], now: Date): Promise<void> {
    await this.bulk(
      this.companies,
      changes.map((c) => profileUpsert(appId, c, now, 'companyId', 'userIds')),
    );
  }

  /**
   * Adds each increment to its daily counter unless the counter already holds round `roundId`'s: one update per
   * counter, which records the round. A counter created by this round's earlier attempt makes the upsert collide
   * on its `_id` (11000): already applied.
   */
  async incrementUsage(appId: string, roundId: string, increments: UsageIncrement[]): Promise<void> {
    const operations: AnyBulkWriteOperation<UsageDailyRecord>[] = increments.map((i) => ({
      updateOne: {
        filter: { _id: `${appId}|${i.companyId}|${i.event}|${i.day}`, appId, lastRound: { $ne: roundId } },
        update: {
          $inc: { count: i.count },
          $set: { lastRound: roundId },
          $setOnInsert: { appId, companyId: i.companyId, event: i.event, day: i.day },
        },
        upsert: true,
      },
    }));
    try {
      await this.bulk(this.usage, operations);
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const errors = writeErrors === undefined ? undefined : [writeErrors].flat();
      if (!errors || errors.length === 0 || errors.some((e) => e.code !== 11000)) throw error;
    }
  }

  /**
   * Adds the entries to each company's usage days (`$addToSet`, one update per company): applying a round again
   * adds nothing, so the days stay exact without a round guard.
   */
  async addUsageDays(appId: string, changes: UsageDaysChange[]): Promise<void> {
    await this.bulk(
      this.usageDays,
      changes.map((change) => ({
        updateOne: {
          filter: { _id: companyUsageDaysId(appId, change.companyId), appId },
          update: { $addToSet: { days: { $each: change.days } }, $setOnInsert: { appId, companyId: change.companyId } },
          upsert: true,
        },
      })),
    );
  }

  /** Per usage days document of the app holding entries of days before `cutoff` (YYYY-MM-DD): those entries. */
  async usageDaysBefore(appId: string, cutoff: string): Promise<{ id: string; entries: string[] }[]> {
    const stale: { id: string; entries: string[] }[] = [];
    for await (const doc of this.usageDays.find({ appId }, { projection: { days: 1 } })) {
      const entries = (doc.days ?? []).filter((entry) => entry < cutoff);
      if (entries.length > 0) stale.push({ id: doc._id, entries });
    }
    return stale;
  }

  /**
   * Removes these entries from their documents, by value (`$pullAll`: FerretDB 1.24's `$pull` ignores a
   * condition). Only where no other writer updates the app's documents meanwhile (an exclusive step of the app).
   */
  async pullUsageDays(appId: string, stale: { id: string; entries: string[] }[]): Promise<void> {
    await this.bulk(
      this.usageDays,
      stale.map(({ id, entries }) => ({ updateOne: { filter: { _id: id, appId }, update: { $pullAll: { days: entries } } } })),
    );
  }

  /** The entries of the company's usage_daily counters (the ones with a count), read by its id. */
  async usageDaysOfCounters(appId: string, companyId: string): Promise<string[]> {
    const counters = await this.usage
      .find({ appId, companyId, count: { $gt: 0 } }, { projection: { _id: 0, event: 1, day: 1 } })
      .toArray();
    return counters.map((counter) => usageDayEntry(counter.day, counter.event));
  }

  /** Every company id of the app's profiles. */
  async companyIds(appId: string): Promise<string[]> {
    const profiles = await this.companies.find({ appId }, { projection: { _id: 0, companyId: 1 } }).toArray();
    return profiles.map((profile) => profile.companyId);
  }

  isUsageDaysComplete(appId: string): Promise<boolean> {
    return this.usageDaysComplete.findOne({ _id: appId }).then((found) => found !== null);
  }

  /** Records that the app's usage days hold every counter (an insert; a second one changes nothing). */
  async markUsageDaysComplete(appId: string, at: Date): Promise<void> {
    await this.usageDaysComplete.updateOne({ _id: appId }, { $setOnInsert: { at } }, { upsert: true });
  }

  /** The stored (escaped) attributes of the given companies. */
  async companyAttributes(appId: string, companyIds: string[]): Promise<Map<string, Record<string, string>>> {
    const found = await byIds(companyIds, (id) =>
      this.companies.findOne({ _id: profileId(appId, id), appId }, { projection: { companyId: 1, attributes: 1 } }),
    );
    return new Map(found.map((company) => [company.companyId, company.attributes ?? {}]));
  }

  async setCompanyAttributesDaily(appId: string, rows: { companyId: string; day: string; attributes: string }[]): Promise<void> {
    await this.bulk(
      this.companyDays,
      rows.map((row) => ({
        updateOne: {
          filter: { _id: `${appId}|${row.companyId}|${row.day}`, appId },
          update: { $set: { attributes: row.attributes }, $setOnInsert: { appId, companyId: row.companyId, day: row.day } },
          upsert: true,
        },
      })),
    );
  }

  private async bulk<T extends Document>(collection: Collection<T>, operations: AnyBulkWriteOperation<T>[]): Promise<void> {
    if (operations.length > 0) await collection.bulkWrite(operations, { ordered: false });
  }
}

/** Lookups per id, a few at a time. */
const LOOKUP_CONCURRENCY = 16;

/**
 * Finds documents one `_id` equality at a time: FerretDB pushes equalities down to its database (served by an
 * index) but not `$in`, which would read every profile of the app on every round.
 */
async function byIds<T>(ids: string[], find: (id: string) => Promise<T | null>): Promise<T[]> {
  const found: T[] = [];
  for (let start = 0; start < ids.length; start += LOOKUP_CONCURRENCY) {
    const chunk = await Promise.all(ids.slice(start, start + LOOKUP_CONCURRENCY).map(find));
    for (const doc of chunk) if (doc) found.push(doc);
  }
  return found;
}

export function profileId(appId: string, id: string): string {
  return `${appId}:${id}`;
}

function profileUpsert<T extends Document>(
  appId: string,
  change: ProfileChange,
  now: Date,
  idField: 'userId' | 'companyId',
  linkField: 'companyIds' | 'userIds',
): AnyBulkWriteOperation<T> {
  const set: Record<string, unknown> = { updatedAt: now };
  for (const [key, json] of Object.entries(change.attributes)) set[`attributes.${key}`] = json;
  const update: Record<string, unknown> = {
    $setOnInsert: { appId, [idField]: change.id },
    $min: { firstSeen: change.firstSeen },
    $set: set,
    // Also with no links: creates the empty list on insert (FerretDB drops an empty array in $setOnInsert).
    $addToSet: { [linkField]: { $each: change.links } },
  };
  if (change.lastSeen) update.$max = { lastSeen: change.lastSeen };
  return {
    updateOne: { filter: { _id: profileId(appId, change.id), appId }, update, upsert: true },
  } as unknown as AnyBulkWriteOperation<T>;
}

interface WriteErrorLike {
  code?: number;
  index: number;
}

function writeErrorsOf(error: unknown): WriteErrorLike[] | undefined {
  const list = (error as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(list)) return list as WriteErrorLike[];
  if (list && typeof list === 'object') return [list as WriteErrorLike];
  return undefined;
}
