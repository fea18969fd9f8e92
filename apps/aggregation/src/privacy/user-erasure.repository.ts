import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

export interface RemovedCount {
  name: string;
  count: number;
}

/** One erasure request as aggregation answered it. Holds no user id: it outlives the user's data. */
export interface UserErasureRecord {
  /** `<appId>:<requestId>` */
  _id: string;
  appId: string;
  requestId: string;
  /** What the first attempt found to remove; every attempt of the request answers these. */
  removed: RemovedCount[];
  /** Set once an attempt finished removing: later attempts change nothing. */
  done: boolean;
  createdAt: Date;
  finishedAt?: Date;
}

const userErasureSchema = new Schema<UserErasureRecord>(
  {
    _id: String,
    appId: String,
    requestId: String,
    removed: [new Schema({ name: String, count: Number }, { _id: false })],
    done: Boolean,
    createdAt: Date,
    finishedAt: Date,
  },
  { versionKey: false, collection: 'exclusion_erasures' },
);

/**
 * The `exclusion_erasures` collection (aggregation is its only writer). Concurrency: the counts are claimed by
 * unique insert (attempts of one request racing: the first insert wins, the others read it); `done` is only
 * ever set to true, the same value from every attempt, so a lost one of two such writes loses nothing.
 */
@Injectable()
export class UserErasureRepository {
  private readonly model: Model<UserErasureRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.model = connection.model('UserErasure', userErasureSchema);
  }

  find(appId: string, requestId: string): Promise<UserErasureRecord | null> {
    return this.model
      .findOne({ _id: key(appId, requestId), appId })
      .lean<UserErasureRecord>()
      .exec();
  }

  /** Records the counts unless an attempt of the request did first; answers the record that holds. */
  async claim(appId: string, requestId: string, removed: RemovedCount[], now: Date): Promise<UserErasureRecord> {
    const record: UserErasureRecord = { _id: key(appId, requestId), appId, requestId, removed, done: false, createdAt: now };
    try {
      await this.model.collection.insertOne(record as never);
      return record;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const first = await this.find(appId, requestId);
      if (!first) throw error;
      return first;
    }
  }

  async markDone(appId: string, requestId: string, now: Date): Promise<void> {
    await this.model.updateOne({ _id: key(appId, requestId), appId }, { $set: { done: true, finishedAt: now } }).exec();
  }
}

function key(appId: string, requestId: string): string {
  return `${appId}:${requestId}`;
}
