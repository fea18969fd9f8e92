import { Model } from 'mongoose';
import { insertOnce } from './records';

/** What every leased attempt record has: attempt `attempt` of a subject (a partition, a scheduled run). */
export interface LeasedAttempt {
  /** `<subject id>#<attempt>` */
  _id: string;
  appId: string;
  attempt: number;
  /** Nobody claims the next attempt before this: the holder's lease, or the back-off after a failure. */
  leaseUntil: Date;
}

export const attemptId = (subjectId: string, attempt: number) => `${subjectId}#${attempt}`;

/**
 * Attempts of a piece of work that processes race for (see ./records.ts): attempt n is claimed by unique
 * insert of `<subject>#<n>`, so two processes never hold the same attempt and numbers are never lost or
 * repeated; afterwards only its holder writes it (its heartbeats, then its outcome).
 */
export class LeasedAttempts<T extends LeasedAttempt> {
  constructor(private readonly model: Model<T>) {}

  /** The subject's latest attempt, probing ids upward from `from` (attempt numbers are dense). */
  async latest(appId: string, subjectId: string, from = 1): Promise<T | null> {
    let latest: T | null = null;
    for (let n = Math.max(1, from); ; n++) {
      const next = await this.model
        .findOne({ _id: attemptId(subjectId, n), appId })
        .lean<T>()
        .exec();
      if (!next) return latest;
      latest = next;
    }
  }

  /** Answers whether this call won the attempt. */
  claim(record: T): Promise<boolean> {
    return insertOnce(this.model, record);
  }

  /** Extends the holder's lease; false when a later attempt superseded it (its lease had run out). */
  async extend(appId: string, subjectId: string, attempt: number, leaseUntil: Date): Promise<boolean> {
    if (await this.model.exists({ _id: attemptId(subjectId, attempt + 1), appId }).exec()) return false;
    await this.model.updateOne({ _id: attemptId(subjectId, attempt), appId }, { $set: { leaseUntil } });
    return true;
  }

  /** The holder records its attempt's outcome. */
  async settle(appId: string, subjectId: string, attempt: number, fields: Partial<T>): Promise<void> {
    await this.model.updateOne({ _id: attemptId(subjectId, attempt), appId }, { $set: fields });
  }
}
