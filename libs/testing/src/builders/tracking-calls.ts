/**
 * Raw tracking records for tests, written straight into the collections ingestion owns, following the
 * contract of `@exportd/records` exactly (ids, `day` = UTC day of `timestamp`, attributes as JSON text).
 */
import {
  CallType,
  CompanyProfileRecord,
  escapeAttributeKey,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UserProfileRecord,
  utcDay,
} from '@exportd/records';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';

export interface TrackingCallInput {
  type?: CallType;
  userId?: string;
  companyId?: string;
  event?: string;
  featureId?: string;
  score?: number;
  comment?: string;
  attributes?: Record<string, unknown>;
  timestamp: Date | string;
  messageId?: string;
  active?: boolean;
  companyIds?: string[];
}

export function trackingCall(appId: string, input: TrackingCallInput): TrackingCallRecord {
  const timestamp = new Date(input.timestamp);
  const type = input.type ?? 'event';
  return {
    _id: input.messageId ? `${appId}:m:${input.messageId}` : randomUUID(),
    appId,
    type,
    ...(input.messageId ? { messageId: input.messageId } : {}),
    ...(input.userId !== undefined ? { userId: input.userId } : {}),
    ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
    ...(input.event !== undefined ? { event: input.event } : {}),
    ...(input.featureId !== undefined ? { featureId: input.featureId } : {}),
    ...(input.score !== undefined ? { score: input.score } : {}),
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    attributes: JSON.stringify(input.attributes ?? {}),
    active: input.active ?? true,
    timestamp,
    day: utcDay(timestamp),
    receivedAt: timestamp,
    companyIds: input.companyIds ?? (input.companyId ? [input.companyId] : []),
  };
}

export function userProfile(
  appId: string,
  userId: string,
  firstSeen: Date,
  attributes: Record<string, unknown> = {},
  companyIds: string[] = [],
): UserProfileRecord {
  return {
    _id: `${appId}:${userId}`,
    appId,
    userId,
    firstSeen,
    lastSeen: firstSeen,
    attributes: encode(attributes),
    companyIds,
    updatedAt: firstSeen,
  };
}

export function companyProfile(
  appId: string,
  companyId: string,
  firstSeen: Date,
  attributes: Record<string, unknown> = {},
  userIds: string[] = [],
): CompanyProfileRecord {
  return {
    _id: `${appId}:${companyId}`,
    appId,
    companyId,
    firstSeen,
    lastSeen: firstSeen,
    attributes: encode(attributes),
    userIds,
    updatedAt: firstSeen,
  };
}

function encode(attributes: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [escapeAttributeKey(k), JSON.stringify(v)]));
}

/** Writes raw records into the database at `mongoUrl` (in chunks, so large seeds stay bounded). */
export async function insertRawRecords(
  mongoUrl: string,
  records: { calls?: TrackingCallRecord[]; users?: UserProfileRecord[]; companies?: CompanyProfileRecord[] },
): Promise<void> {
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  try {
    const write = async (name: string, docs: object[] | undefined) => {
      for (let i = 0; docs && i < docs.length; i += 5_000) {
        await connection.collection(name).insertMany(docs.slice(i, i + 5_000) as never[], { ordered: false });
      }
    };
    await write(RAW_COLLECTIONS.calls, records.calls);
    await write(RAW_COLLECTIONS.users, records.users);
    await write(RAW_COLLECTIONS.companies, records.companies);
  } finally {
    await connection.close();
  }
}
