import { Injectable } from '@nestjs/common';
import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
} from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import type { AbstractCursor } from 'mongodb';
import { Connection } from 'mongoose';

type ProfileRow = Pick<CompanyProfileRecord, 'companyId' | 'firstSeen' | 'lastSeen'> & { attributes?: Record<string, string> };
type UsageRow = Pick<UsageDailyRecord, 'companyId' | 'event' | 'day' | 'count'>;
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

/**
 * Reads the raw collections ingestion writes (read-only). Each collection is read by one cursor sorted by
 * company id, and the four are merged company by company, so memory holds one company's records at a time
 * whatever the number of companies. With MongoDB, indexes on `{appId: 1, companyId: 1}` (and
 * `{appId: 1, type: 1, companyIds: 1}` on tracking_calls) let the server stream them in that order.
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
   * The four cursors, each narrowed by `byCompany` (the feedback cursor by `byCompanies`, on its id list),
   * merged company by company.
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
    const usage = db
      .collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily)
      .find(
        { appId, ...byCompany, day: { $lte: lastDay }, count: { $gt: 0 } },
        { projection: { _id: 0, companyId: 1, event: 1, day: 1, count: 1 }, batchSize: CURSOR_BATCH },
      )
      .sort({ companyId: 1 });
    const attributes = db
      .collection<CompanyAttributesDailyRecord>(RAW_COLLECTIONS.companyAttributesDaily)
      .find(
        { appId, ...byCompany, day: { $lte: lastDay } },
        { projection: { _id: 0, companyId: 1, day: 1, attributes: 1 }, batchSize: CURSOR_BATCH },
      )
      .sort({ companyId: 1, day: 1 });
    // Sorted by companyIds: MongoDB and FerretDB order an array by its smallest element. ($unwind would be
    // the obvious tool, but FerretDB 1.24's drops the other fields.)
    const feedback = db
      .collection<TrackingCallRecord>(RAW_COLLECTIONS.calls)
      .find(
        { appId, type: 'feedback', ...byCompanies, day: { $lte: lastDay } },
        { projection: { _id: 0, companyIds: 1, featureId: 1, score: 1, timestamp: 1, day: 1 }, batchSize: CURSOR_BATCH },
      )
      .sort({ companyIds: 1 });
    const readers = {
      usage: new GroupedCursor<UsageRow>(usage, (row) => row.companyId),
      attributes: new GroupedCursor<AttributesRow>(attributes, (row) => row.companyId),
      feedback: new FeedbackGroups(feedback as AbstractCursor<FeedbackRow>),
    };
    try {
      for await (const profile of profiles as AsyncIterable<ProfileRow>) {
        if (typeof profile.companyId !== 'string') continue;
        yield {
          profile,
          usage: await readers.usage.take(profile.companyId),
          attributes: await readers.attributes.take(profile.companyId),
          feedback: await readers.feedback.take(profile.companyId),
        };
      }
    } finally {
      await Promise.all([profiles.close(), usage.close(), attributes.close(), feedback.close()]);
    }
  }
}

/** MongoDB orders strings by their UTF-8 bytes (no collation); so does this. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Reads a cursor sorted by a key, one group of equal keys at a time. */
export class GroupedCursor<T> {
  private pending: T | null | undefined;

  constructor(
    private readonly cursor: AbstractCursor<T>,
    private readonly keyOf: (row: T) => string,
  ) {}

  /** The rows with this key; rows with smaller keys (companies without a profile) are skipped. */
  async take(key: string): Promise<T[]> {
    const rows: T[] = [];
    for (;;) {
      if (this.pending === undefined) this.pending = await this.cursor.next();
      const row = this.pending;
      if (row === null) return rows;
      const order = compareKeys(String(this.keyOf(row)), key);
      if (order > 0) return rows;
      if (order === 0) rows.push(row);
      this.pending = undefined;
    }
  }
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
