import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  CompanyUsageDaysCompleteRecord,
  companyUsageDaysId,
  CompanyUsageDaysRecord,
  escapeAttributeKey,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
  usageDayEntry,
  utcDay,
} from '@exportd/records';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';

interface CompanyDraft {
  firstSeen?: Date;
  lastSeen?: Date | null;
  attributes: Record<string, unknown>;
  times: Date[];
}

/**
 * Writes the raw collections ingestion keeps (usage_daily with each company's usage days, company_attributes_daily,
 * company_profiles, tracking_calls feedback), exactly as `@exportd/records` describes them, with timestamps the
 * test controls. The app's usage days are marked complete unless `writeTo` is told otherwise (an app whose
 * counters predate them).
 *
 *   await usageRecords(appId)
 *     .company('acme', { name: 'Acme' })
 *     .event('acme', 'Sent message', new Date('2026-01-05T10:00:00Z'))
 *     .attributes('acme', new Date('2026-01-05T12:00:00Z'), { plan: 'pro' })
 *     .feedback('acme', featureId, 4, new Date('2026-01-06T09:00:00Z'))
 *     .writeTo(mongoUrl);
 *
 * Profiles get first/last seen from the company's earliest/latest activity unless given.
 */
export class UsageRecordsBuilder {
  private readonly companies = new Map<string, CompanyDraft>();
  private readonly usage = new Map<string, UsageDailyRecord>();
  private readonly attributesDaily = new Map<string, CompanyAttributesDailyRecord>();
  private readonly calls: TrackingCallRecord[] = [];

  constructor(readonly appId: string) {}

  /** Declares a company (optional: events, attributes and feedback declare it too). */
  company(companyId: string, options: { name?: string; firstSeen?: Date; lastSeen?: Date | null } = {}): this {
    const draft = this.draft(companyId);
    if (options.name !== undefined) draft.attributes.name = options.name;
    if (options.firstSeen) draft.firstSeen = options.firstSeen;
    if (options.lastSeen !== undefined) draft.lastSeen = options.lastSeen;
    return this;
  }

  /** `count` occurrences of an event by the company at `at` (added to that UTC day's counter). */
  event(companyId: string, event: string, at: Date, count = 1): this {
    this.draft(companyId).times.push(at);
    const day = utcDay(at);
    const id = `${this.appId}|${companyId}|${event}|${day}`;
    const existing = this.usage.get(id);
    if (existing) existing.count += count;
    else this.usage.set(id, { _id: id, appId: this.appId, companyId, event, day, count });
    return this;
  }

  /** The event on each of these UTC days (YYYY-MM-DD), at noon. */
  eventOnDays(companyId: string, event: string, days: string[]): this {
    for (const day of days) this.event(companyId, event, new Date(`${day}T12:00:00Z`));
    return this;
  }

  /** A company call at `at` that merged these attributes (the day's record holds all attributes so far). */
  attributes(companyId: string, at: Date, attributes: Record<string, unknown>): this {
    const draft = this.draft(companyId);
    draft.times.push(at);
    Object.assign(draft.attributes, attributes);
    const day = utcDay(at);
    const id = `${this.appId}|${companyId}|${day}`;
    this.attributesDaily.set(id, { _id: id, appId: this.appId, companyId, day, attributes: JSON.stringify(draft.attributes) });
    return this;
  }

  /** A feedback call for a feature, counted for the company. */
  feedback(companyId: string, featureId: string, score: number, at: Date): this {
    this.draft(companyId).times.push(at);
    this.calls.push({
      _id: randomUUID(),
      appId: this.appId,
      type: 'feedback',
      companyId,
      featureId,
      score,
      attributes: '{}',
      active: true,
      timestamp: at,
      day: utcDay(at),
      receivedAt: at,
      companyIds: [companyId],
    });
    return this;
  }

  profiles(): CompanyProfileRecord[] {
    return [...this.companies.entries()].map(([companyId, draft]) => {
      const times = draft.times.map((t) => t.getTime()).sort((a, b) => a - b);
      const firstSeen = draft.firstSeen ?? new Date(times[0] ?? 0);
      const lastSeen =
        draft.lastSeen === undefined ? (times.length ? new Date(times[times.length - 1] as number) : null) : draft.lastSeen;
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(draft.attributes)) attributes[escapeAttributeKey(key)] = JSON.stringify(value);
      return {
        _id: `${this.appId}:${companyId}`,
        appId: this.appId,
        companyId,
        firstSeen,
        lastSeen,
        attributes,
        userIds: [],
        updatedAt: lastSeen ?? firstSeen,
      };
    });
  }

  /** The usage days documents of the counters: one per company. */
  usageDays(): CompanyUsageDaysRecord[] {
    const byCompany = new Map<string, string[]>();
    for (const counter of this.usage.values())
      byCompany.set(counter.companyId, [...(byCompany.get(counter.companyId) ?? []), usageDayEntry(counter.day, counter.event)]);
    return [...byCompany].map(([companyId, days]) => ({
      _id: companyUsageDaysId(this.appId, companyId),
      appId: this.appId,
      companyId,
      days,
    }));
  }

  /** Inserts everything into the raw collections of the database at `mongoUrl`. */
  async writeTo(mongoUrl: string, options: { usageDays?: boolean } = {}): Promise<void> {
    const connection = await mongoose.createConnection(mongoUrl).asPromise();
    try {
      const db = connection.db;
      if (!db) throw new Error('no database');
      const insert = async (name: string, docs: object[]) => {
        if (docs.length > 0) await db.collection(name).insertMany(docs as never[]);
      };
      await insert(RAW_COLLECTIONS.companies, this.profiles());
      await insert(RAW_COLLECTIONS.usageDaily, [...this.usage.values()]);
      if (options.usageDays ?? true) {
        // Added as ingestion adds them, so a second builder of the same app adds to the same documents.
        const days = this.usageDays().map((doc) => ({
          updateOne: {
            filter: { _id: doc._id, appId: doc.appId },
            update: { $addToSet: { days: { $each: doc.days } }, $setOnInsert: { appId: doc.appId, companyId: doc.companyId } },
            upsert: true,
          },
        }));
        if (days.length > 0) await db.collection<CompanyUsageDaysRecord>(RAW_COLLECTIONS.companyUsageDays).bulkWrite(days);
        await db
          .collection<CompanyUsageDaysCompleteRecord>(RAW_COLLECTIONS.companyUsageDaysComplete)
          .updateOne({ _id: this.appId }, { $setOnInsert: { at: new Date() } }, { upsert: true });
      }
      await insert(RAW_COLLECTIONS.companyAttributesDaily, [...this.attributesDaily.values()]);
      await insert(RAW_COLLECTIONS.calls, this.calls);
    } finally {
      await connection.close();
    }
  }

  private draft(companyId: string): CompanyDraft {
    let draft = this.companies.get(companyId);
    if (!draft) {
      draft = { attributes: {}, times: [] };
      this.companies.set(companyId, draft);
    }
    return draft;
  }
}

export function usageRecords(appId: string): UsageRecordsBuilder {
  return new UsageRecordsBuilder(appId);
}
