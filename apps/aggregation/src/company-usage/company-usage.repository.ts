import { Injectable } from '@nestjs/common';
import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  CompanyUsageDaysCompleteRecord,
  companyUsageDaysId,
  CompanyUsageDaysRecord,
  parseUsageDayEntry,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
} from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import type { AbstractCursor } from 'mongodb';
import { Connection } from 'mongoose';

type ProfileRow = Pick<CompanyProfileRecord, 'companyId' | 'firstSeen' | 'lastSeen'> & { attributes?: Record<string, string> };
/** A day on which the company's counter of an event has a count. */
type UsageRow = Pick<UsageDailyRecord, 'event' | 'day'>;
type AttributesRow = Pick<CompanyAttributesDailyRecord, 'companyId' | 'day' | 'attributes'>;
type FeedbackRow = Pick<TrackingCallRecord, 'featureId' | 'score' | 'timestamp' | 'day' | 'companyIds'>;

/** One company's raw records, as read (only days <= the last day asked for). */
export interface CompanyRecords {
  profile: ProfileRow;
  usage: UsageRow[];
  attributes: AttributesRow[];
  feedback: FeedbackRow[];
}

const CURSOR_BATCH = 5_000;

/**
 * Up to this many companies are read one by one, with the company id as an equality (which FerretDB pushes
 * down to its indexes); more are read as one pass over the app with `$in`, which FerretDB tests itself.
 */
export const COMPANY_BY_COMPANY_MAX = 100;

/** Which companies to read: every company of the app but the excluded ones, or only the listed ones. */
export interface CompanyScope {
  only?: readonly string[];
  excluded?: readonly string[];
}

/** How many companies' counters and attribute days are read ahead of the one being computed. */
export const COMPANY_READ_AHEAD = 8;

/**
 * Reads the raw collections ingestion writes (read-only), company by company in company id order, so memory
 * holds a few companies' records at a time whatever the number of companies.
 *
 * The profiles (one small document per company) and the feedback calls (few) are each read by one cursor
 * sorted by company id. The days of the company's counters and its attribute days are read per company, a few
 * companies ahead of the one being computed: the days from its usage days document (by `_id`) once ingestion
 * marked the app's usage days complete, else from its daily counters (by `{appId, companyId}`, an index of
 * ingestion's); the attribute days by `{appId, companyId}`. FerretDB pushes these equalities down to
 * PostgreSQL. Sorting the counters instead would make FerretDB, which sorts in its own memory, load every
 * counter of the app before the first row; reading one usage days document instead of a company's counters
 * (about 56 per company in the benchmark) is what keeps the database's share of the download small.
 */
@Injectable()
export class CompanyUsageRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The scope's companies with their records up to `lastDay`, by company id (UTF-8 byte order). */
  async *companies(appId: string, lastDay: string, scope: CompanyScope = {}): AsyncGenerator<CompanyRecords> {
    const excluded = scope.excluded ?? [];
    if (!scope.only) {
      yield* this.merged(appId, lastDay, excluded.length > 0 ? { companyId: { $nin: excluded } } : {}, {});
      return;
    }
    const skip = new Set(excluded);
    const ids = [...new Set(scope.only)].filter((id) => !skip.has(id)).sort(compareKeys);
    if (ids.length > COMPANY_BY_COMPANY_MAX) {
      yield* this.merged(appId, lastDay, { companyId: { $in: ids } }, { companyIds: { $in: ids } });
      return;
    }
    for (const id of ids) yield* this.merged(appId, lastDay, { companyId: id }, { companyIds: id });
  }

  /**
   * The profiles narrowed by `byCompany` and the feedback calls by `byCompanies` (on their id list), each one
   * cursor sorted by company; each profile's counters and attribute days read by its company id, up to
   * COMPANY_READ_AHEAD companies ahead.
   */
  private async *merged(
    appId: string,
    lastDay: string,
    byCompany: Record<string, unknown>,
    byCompanies: Record<string, unknown>,
  ): AsyncGenerator<CompanyRecords> {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    const profiles = db
      .collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies)
      .find(
        { appId, ...byCompany },
        { projection: { _id: 0, companyId: 1, firstSeen: 1, lastSeen: 1, attributes: 1 }, batchSize: CURSOR_BATCH },
      )
      .sort({ companyId: 1 });
    const usage = db.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily);
    const usageDays = db.collection<CompanyUsageDaysRecord>(RAW_COLLECTIONS.companyUsageDays);
    const complete = await db
      .collection<CompanyUsageDaysCompleteRecord>(RAW_COLLECTIONS.companyUsageDaysComplete)
      .findOne({ _id: appId });
    const usageOf = async (companyId: string): Promise<UsageRow[]> => {
      if (!complete) {
        return usage
          .find(
            { appId, companyId, day: { $lte: lastDay }, count: { $gt: 0 } },
            { projection: { _id: 0, event: 1, day: 1 }, batchSize: CURSOR_BATCH },
          )
          .toArray() as Promise<UsageRow[]>;
      }
      const found = await usageDays.findOne(
        { _id: companyUsageDaysId(appId, companyId), appId },
        { projection: { _id: 0, days: 1 } },
      );
      return (found?.days ?? []).map(parseUsageDayEntry).filter((row) => row.day <= lastDay);
    };
    const attributes = db.collection<CompanyAttributesDailyRecord>(RAW_COLLECTIONS.companyAttributesDaily);
    // Sorted by companyIds: MongoDB and FerretDB order an array by its smallest element. ($unwind would be
    // the obvious tool, but FerretDB 1.24's drops the other fields.)
    const feedback = db
      .collection<TrackingCallRecord>(RAW_COLLECTIONS.calls)
      .find(
        { appId, type: 'feedback', ...byCompanies, day: { $lte: lastDay } },
        { projection: { _id: 0, companyIds: 1, featureId: 1, score: 1, timestamp: 1, day: 1 }, batchSize: CURSOR_BATCH },
      )
      .sort({ companyIds: 1 });
    const feedbackGroups = new FeedbackGroups(feedback as AbstractCursor<FeedbackRow>);
    /** One company's counters and attribute days (in day order), read by its id. */
    const read = async (companyId: string): Promise<Pick<CompanyRecords, 'usage' | 'attributes'>> => {
      const [usageRows, attributeRows] = await Promise.all([
        usageOf(companyId),
        attributes
          .find(
            { appId, companyId, day: { $lte: lastDay } },
            { projection: { _id: 0, companyId: 1, day: 1, attributes: 1 }, batchSize: CURSOR_BATCH },
          )
          .toArray(),
      ]);
      attributeRows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
      return { usage: usageRows, attributes: attributeRows as AttributesRow[] };
    };
    // Reads started ahead, in company order; each settles into a result held until its turn (a failure is
    // thrown then, so no rejection goes unobserved).
    const ahead: { profile: ProfileRow; records: Promise<Settled<Pick<CompanyRecords, 'usage' | 'attributes'>>> }[] = [];
    const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
      promise.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    const next = async (): Promise<CompanyRecords> => {
      const head = ahead.shift() as (typeof ahead)[number];
      const records = await head.records;
      if (!records.ok) throw records.error;
      return { profile: head.profile, ...records.value, feedback: await feedbackGroups.take(head.profile.companyId) };
    };
    try {
      for await (const profile of profiles as AsyncIterable<ProfileRow>) {
        if (typeof profile.companyId !== 'string') continue;
        ahead.push({ profile, records: settle(read(profile.companyId)) });
        if (ahead.length > COMPANY_READ_AHEAD) yield await next();
      }
      while (ahead.length > 0) yield await next();
    } finally {
      // Reads still in flight (the consumer stopped early) end on their own; their results are dropped.
      await Promise.all([profiles.close(), feedback.close(), ...ahead.map((entry) => entry.records)]);
    }
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** MongoDB orders strings by their UTF-8 bytes (no collation); so does this. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Feedback calls grouped by company, from a cursor sorted by `companyIds` (so by each call's smallest company
 * id). A call that counts for several companies is met at its smallest one and kept aside for the others
 * until their turn: memory holds only such calls, not one entry per company.
 */
export class FeedbackGroups {
  private pending: FeedbackRow | null | undefined;
  private readonly later = new Map<string, FeedbackRow[]>();

  constructor(private readonly cursor: AbstractCursor<FeedbackRow>) {}

  async take(key: string): Promise<FeedbackRow[]> {
    const rows = this.later.get(key) ?? [];
    this.later.delete(key);
    for (;;) {
      if (this.pending === undefined) this.pending = await this.cursor.next();
      const row = this.pending;
      if (row === null) return rows;
      const companies = Array.isArray(row.companyIds) ? row.companyIds.filter((c): c is string => typeof c === 'string') : [];
      const smallest = companies.reduce<string | undefined>(
        (min, c) => (min === undefined || compareKeys(c, min) < 0 ? c : min),
        undefined,
      );
      if (smallest !== undefined && compareKeys(smallest, key) > 0) return rows;
      this.pending = undefined;
      for (const company of new Set(companies)) {
        const order = compareKeys(company, key);
        if (order === 0) rows.push(row);
        else if (order > 0) this.later.set(company, [...(this.later.get(company) ?? []), row]);
      }
    }
  }
}
