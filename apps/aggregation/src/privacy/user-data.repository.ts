import { Injectable } from '@nestjs/common';
import { CompanyProfileRecord, RAW_COLLECTIONS, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import type { Db } from 'mongodb';
import { Connection } from 'mongoose';

/** A company profile without its members: nothing of other users goes into a user's document. */
export type CompanyOfUser = Omit<CompanyProfileRecord, 'userIds'>;

/** A user's calls, closed early with `close()`. */
export interface CallCursor extends AsyncIterable<TrackingCallRecord> {
  close(): Promise<void>;
}

const CURSOR_BATCH = 1_000;

/** Reads one user's records from the raw collections ingestion writes (read-only). */
@Injectable()
export class UserDataRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  profile(appId: string, userId: string): Promise<UserProfileRecord | null> {
    return this.db()
      .collection<UserProfileRecord>(RAW_COLLECTIONS.users)
      .findOne({ _id: `${appId}:${userId}`, appId });
  }

  /** The companies of these ids that have a profile, in the order given; one `_id` equality each. */
  async companies(appId: string, companyIds: readonly string[]): Promise<CompanyOfUser[]> {
    const found: CompanyOfUser[] = [];
    for (const companyId of new Set(companyIds)) {
      const company = await this.db()
        .collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies)
        .findOne({ _id: `${appId}:${companyId}`, appId }, { projection: { userIds: 0 } });
      if (company) found.push(company);
    }
    return found;
  }

  /**
   * Every call of the user, any type, by the `{appId, userId}` equality (ingestion's index; FerretDB pushes
   * it down). Unsorted on purpose: FerretDB sorts in its own memory, which would hold all of the user's
   * calls at once; the database's order is kept, and each call carries its timestamp.
   */
  calls(appId: string, userId: string): CallCursor {
    return this.db().collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId, userId }, { batchSize: CURSOR_BATCH });
  }

  private db(): Db {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    return db;
  }
}
