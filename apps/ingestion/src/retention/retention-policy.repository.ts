import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, mongo } from 'mongoose';
import { isDuplicateKey } from '../tracking/suppression.repository';
import { RetentionPolicy } from './retention.model';

/** An app's retention policy (`_id` = appId); absent: the defaults. */
export interface RetentionPolicyRecord extends RetentionPolicy {
  _id: string;
  appId: string;
  updatedAt: Date;
}

export const RETENTION_POLICIES_COLLECTION = 'retention_policies';

@Injectable()
export class RetentionPolicyRepository {
  private readonly policies: mongo.Collection<RetentionPolicyRecord>;

  constructor(@InjectConnection() connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the MongoDB connection is not open');
    this.policies = db.collection<RetentionPolicyRecord>(RETENTION_POLICIES_COLLECTION);
  }

  find(appId: string): Promise<RetentionPolicyRecord | null> {
    return this.policies.findOne({ _id: appId, appId });
  }

  /**
   * Replaces the whole policy in one write that reads nothing first: concurrent PUTs are last-writer-wins,
   * never a mix. Two first PUTs racing may both try the insert; the loser's is retried as a replace.
   */
  async replace(appId: string, policy: RetentionPolicy, at: Date): Promise<RetentionPolicyRecord> {
    const record: RetentionPolicyRecord = { _id: appId, appId, ...policy, updatedAt: at };
    const write = () => this.policies.replaceOne({ _id: appId, appId }, record, { upsert: true });
    try {
      await write();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await write();
    }
    return record;
  }
}
