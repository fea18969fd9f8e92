import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, mongo } from 'mongoose';

/** The per-app key of user id hashes, claimed once by unique insert (`_id` = appId) and never changed. */
export interface UserHashSaltRecord {
  _id: string;
  appId: string;
  /** base64 of 32 random bytes. */
  salt: string;
  createdAt: Date;
}

/** A suppressed user: only the salted hash of its id (`_id` = `<appId>:<userHash>`), inserted once, never updated. */
export interface SuppressionRecord {
  _id: string;
  appId: string;
  /** HMAC-SHA256 of the user id under the app's salt, hex. */
  userHash: string;
  createdAt: Date;
}

export const SALTS_COLLECTION = 'user_hash_salts';
export const SUPPRESSIONS_COLLECTION = 'user_suppressions';
const DUPLICATE_KEY = 11000;

/** Salts and suppressions: insert-only documents, so replicas and retries never race on one. */
@Injectable()
export class SuppressionRepository implements OnModuleInit {
  private readonly salts: mongo.Collection<UserHashSaltRecord>;
  private readonly suppressions: mongo.Collection<SuppressionRecord>;

  constructor(@InjectConnection() connection: Connection) {
    const db = connection.db;
    if (!db) throw new Error('the MongoDB connection is not open');
    this.salts = db.collection<UserHashSaltRecord>(SALTS_COLLECTION);
    this.suppressions = db.collection<SuppressionRecord>(SUPPRESSIONS_COLLECTION);
  }

  async onModuleInit(): Promise<void> {
    await this.suppressions.createIndex({ appId: 1 });
  }

  async findSalt(appId: string): Promise<string | undefined> {
    return (await this.salts.findOne({ _id: appId, appId }))?.salt;
  }

  /** Inserts `salt` as the app's unless one is there; returns the app's salt either way. */
  async claimSalt(appId: string, salt: string, at: Date): Promise<string> {
    try {
      await this.salts.insertOne({ _id: appId, appId, salt, createdAt: at });
      return salt;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.findSalt(appId);
      if (!stored) throw new Error(`the salt of app ${appId} collided but cannot be read`);
      return stored;
    }
  }

  async hashes(appId: string): Promise<string[]> {
    const found = await this.suppressions.find({ appId }, { projection: { userHash: 1 } }).toArray();
    return found.map((s) => s.userHash);
  }

  async isSuppressed(appId: string, userHash: string): Promise<boolean> {
    return (await this.suppressions.findOne({ _id: suppressionId(appId, userHash), appId }, { projection: { _id: 1 } })) !== null;
  }

  /** Returns false when the user was suppressed already. */
  async insert(appId: string, userHash: string, at: Date): Promise<boolean> {
    try {
      await this.suppressions.insertOne({ _id: suppressionId(appId, userHash), appId, userHash, createdAt: at });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}

function suppressionId(appId: string, userHash: string): string {
  return `${appId}:${userHash}`;
}

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === DUPLICATE_KEY;
}
