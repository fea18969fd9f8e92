import { Injectable } from '@nestjs/common';
import { RAW_COLLECTIONS } from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import { Connection, mongo } from 'mongoose';

/** The raw collections the sweeper deletes from by day: calls by event day, the two daily aggregates. */
export type SweptCollection = 'calls' | 'usageDaily' | 'companyAttributesDaily';

/**
 * `retention_sweeps` (_id = app): the days before which a completed sweep deleted the app's raw calls and
 * aggregates. Only ever raised (`$max`); two sweepers racing can keep the smaller of two days, which only
 * understates what is gone.
 */
interface SweptRecord {
  _id: string;
  rawEventsDeletedBefore: string;
  aggregatesDeletedBefore: string;
  at: Date;
}

interface DayDocument {
  _id: string;
  appId: string;
  day: string;
  companyId?: string;
}

/**
 * Deletions of the retention sweep. FerretDB pushes only equalities down to its database, so the old days
 * are listed once per sweep and each day is then read and deleted by `{appId, day}` equality (served by
 * the `{appId, day}` indexes), a batch of ids at a time.
 */
@Injectable()
export class RetentionSweepRepository {
  private readonly collections: Record<SweptCollection, mongo.Collection<DayDocument>>;
  private readonly sweeps: mongo.Collection<SweptRecord>;

  constructor(@InjectConnection() connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the MongoDB connection is not open');
    this.collections = {
      calls: db.collection<DayDocument>(RAW_COLLECTIONS.calls),
      usageDaily: db.collection<DayDocument>(RAW_COLLECTIONS.usageDaily),
      companyAttributesDaily: db.collection<DayDocument>(RAW_COLLECTIONS.companyAttributesDaily),
    };
    this.sweeps = db.collection<SweptRecord>('retention_sweeps');
  }

  async recordSwept(appId: string, rawEventsDeletedBefore: string, aggregatesDeletedBefore: string, at: Date): Promise<void> {
    await this.sweeps.updateOne(
      { _id: appId },
      { $max: { rawEventsDeletedBefore, aggregatesDeletedBefore }, $set: { at } },
      { upsert: true },
    );
  }

  async sweptBefore(appId: string): Promise<{ rawEventsDeletedBefore: string; aggregatesDeletedBefore: string }> {
    const found = await this.sweeps.findOne({ _id: appId });
    return {
      rawEventsDeletedBefore: found?.rawEventsDeletedBefore ?? '',
      aggregatesDeletedBefore: found?.aggregatesDeletedBefore ?? '',
    };
  }

  /** The days before `cutoff` (YYYY-MM-DD) the app has documents of, newest first. */
  async daysBefore(collection: SweptCollection, appId: string, cutoff: string): Promise<string[]> {
    // The one read of the whole app per sweep (a range is not pushed down); it returns only the days.
    const days = (await this.collections[collection].distinct('day', { appId, day: { $lt: cutoff } })) as string[];
    return days.sort().reverse();
  }

  /** Deletes up to `limit` documents of the day; returns how many it found (fewer than `limit`: the day is done). */
  async deleteBatchOfDay(collection: SweptCollection, appId: string, day: string, limit: number): Promise<number> {
    const found = await this.collections[collection]
      .find({ appId, day }, { projection: { _id: 1 } })
      .limit(limit)
      .toArray();
    await this.deleteIds(
      collection,
      appId,
      day,
      found.map((doc) => doc._id),
    );
    return found.length;
  }

  /** The company attribute records of one day. */
  async companyDays(appId: string, day: string): Promise<{ _id: string; companyId: string }[]> {
    const found = await this.collections.companyAttributesDaily
      .find({ appId, day }, { projection: { _id: 1, companyId: 1 } })
      .toArray();
    return found.map((doc) => ({ _id: doc._id, companyId: doc.companyId ?? '' }));
  }

  async deleteIds(collection: SweptCollection, appId: string, day: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.collections[collection].deleteMany({ appId, day, _id: { $in: ids } })).deletedCount;
  }
}
