import { Injectable } from '@nestjs/common';
import { CompanyProfileRecord, RAW_COLLECTIONS, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import { Connection, mongo } from 'mongoose';
import { isDuplicateKey } from '../tracking/suppression.repository';
import { profileId } from '../tracking/tracking.repository';

export interface RemovedCount {
  name: string;
  count: number;
}

/**
 * The first attempt of one privacy request's erasure in one app (`_id` = `<appId>:<requestId>`): inserted
 * once, before anything is deleted, never updated. It names the user only by its salted hash.
 */
export interface UserErasureRecord {
  _id: string;
  appId: string;
  requestId: string;
  userHash: string;
  suppress: boolean;
  /** What the first attempt found to remove, counted before deleting. */
  removed: RemovedCount[];
  createdAt: Date;
}

export const ERASURES_COLLECTION = 'user_erasures';

/** A user's documents in the raw collections, found by equality on indexed fields. */
@Injectable()
export class UserErasureRepository {
  private readonly calls: mongo.Collection<TrackingCallRecord>;
  private readonly users: mongo.Collection<UserProfileRecord>;
  private readonly companies: mongo.Collection<CompanyProfileRecord>;
  private readonly erasures: mongo.Collection<UserErasureRecord>;

  constructor(@InjectConnection() connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the MongoDB connection is not open');
    this.calls = db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls);
    this.users = db.collection<UserProfileRecord>(RAW_COLLECTIONS.users);
    this.companies = db.collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies);
    this.erasures = db.collection<UserErasureRecord>(ERASURES_COLLECTION);
  }

  findErasure(appId: string, requestId: string): Promise<UserErasureRecord | null> {
    return this.erasures.findOne({ _id: erasureId(appId, requestId), appId });
  }

  /** Inserts the record unless the request has one; returns the stored one (the first attempt's). */
  async claimErasure(record: Omit<UserErasureRecord, '_id'>): Promise<UserErasureRecord> {
    const doc = { _id: erasureId(record.appId, record.requestId), ...record };
    try {
      await this.erasures.insertOne(doc);
      return doc;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.findErasure(record.appId, record.requestId);
      if (!stored) throw new Error(`the erasure ${doc._id} collided but cannot be read`);
      return stored;
    }
  }

  countCalls(appId: string, userId: string): Promise<number> {
    return this.calls.countDocuments({ appId, userId });
  }

  async hasProfile(appId: string, userId: string): Promise<boolean> {
    return (await this.users.findOne({ _id: profileId(appId, userId), appId }, { projection: { _id: 1 } })) !== null;
  }

  /** Ids of the company profiles that list the user. */
  async companiesListing(appId: string, userId: string): Promise<string[]> {
    const found = await this.companies.find({ appId, userIds: userId }, { projection: { _id: 1 } }).toArray();
    return found.map((company) => company._id);
  }

  /** Deletes up to `limit` of the user's calls; returns how many it found. */
  async deleteCalls(appId: string, userId: string, limit: number): Promise<number> {
    const ids = (
      await this.calls
        .find({ appId, userId }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
    ).map((c) => c._id);
    if (ids.length > 0) await this.calls.deleteMany({ appId, userId, _id: { $in: ids } });
    return ids.length;
  }

  async unlink(appId: string, companyProfileId: string, userId: string): Promise<void> {
    await this.companies.updateOne({ _id: companyProfileId, appId }, { $pull: { userIds: userId } });
  }

  async deleteProfile(appId: string, userId: string): Promise<void> {
    await this.users.deleteOne({ _id: profileId(appId, userId), appId });
  }
}

function erasureId(appId: string, requestId: string): string {
  return `${appId}:${requestId}`;
}
