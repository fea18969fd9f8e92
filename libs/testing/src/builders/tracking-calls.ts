/**
 * Raw tracking records for tests, written straight into the collections ingestion owns, following the
 * contract of `@exportd/records` exactly (ids, `day` = UTC day of `timestamp`, attributes as JSON text).
 */
import {
  CallType,
  CompanyProfileRecord,
  escapeAttributeKey,
  EXPORT_EVENT_TYPE,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UserProfileRecord,
  utcDay,
} from '@exportd/records';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { gunzipSync } from 'node:zlib';

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

// ---- export fixtures: sample data, what an export must contain, and reading the files back ----

/**
 * Raw records spread over May..September 2024 (plus a few just outside), every call type, two users and
 * three companies; attributes include text a spreadsheet would run as a formula.
 */
export function sampleTrackingCalls(appId: string, perMonth = 12): TrackingCallRecord[] {
  const calls: TrackingCallRecord[] = [];
  const types = ['event', 'user', 'company', 'feedback'] as const;
  let n = 0;
  for (const month of ['05', '06', '07', '08', '09']) {
    for (let i = 0; i < perMonth; i++) {
      const day = String(2 + (i % 27)).padStart(2, '0');
      const type = types[n % types.length];
      const userId = `user_${Math.floor(n / 4) % 2}`;
      const companyId = `comp_${n % 3}`;
      calls.push(
        trackingCall(appId, {
          type,
          userId: type === 'company' ? undefined : userId,
          companyId,
          event: type === 'event' ? (Math.floor(n / 4) % 2 ? '=SUM(A1)' : `clicked, "button" ${n}`) : undefined,
          featureId: type === 'feedback' ? 'feat_1' : undefined,
          score: type === 'feedback' ? 1 + (n % 5) : undefined,
          attributes: { plan: n % 2 ? '=SUM(A1)' : 'pro', n, 'dotted.key': true },
          timestamp: `2024-${month}-${day}T${String(n % 24).padStart(2, '0')}:15:00.000Z`,
          messageId: `m${n}`,
        }),
      );
      n++;
    }
  }
  // Boundaries: the first and last instants of the range are in it, the instants just outside are not.
  calls.push(
    trackingCall(appId, {
      type: 'event',
      userId: 'user_1',
      companyId: 'comp_2',
      event: 'first',
      timestamp: '2024-05-02T00:00:00.000Z',
    }),
  );
  calls.push(
    trackingCall(appId, {
      type: 'event',
      userId: 'user_1',
      companyId: 'comp_2',
      event: 'last',
      timestamp: '2024-09-30T23:59:59.999Z',
    }),
  );
  calls.push(
    trackingCall(appId, {
      type: 'event',
      userId: 'user_1',
      companyId: 'comp_2',
      event: 'before',
      timestamp: '2024-05-01T23:59:59.999Z',
    }),
  );
  calls.push(
    trackingCall(appId, {
      type: 'event',
      userId: 'user_1',
      companyId: 'comp_2',
      event: 'after',
      timestamp: '2024-10-01T00:00:00.000Z',
    }),
  );
  return calls;
}

/** What an export with these filters must contain. */
export function callsMatching(
  calls: TrackingCallRecord[],
  filter: { from: string; to: string; eventTypes: string[]; userIds?: string[]; companyIds?: string[] },
): TrackingCallRecord[] {
  return calls.filter(
    (c) =>
      c.day >= filter.from &&
      c.day <= filter.to &&
      filter.eventTypes.includes(EXPORT_EVENT_TYPE[c.type]) &&
      (!filter.userIds?.length || (c.userId !== undefined && filter.userIds.includes(c.userId))) &&
      (!filter.companyIds?.length || c.companyIds.some((id) => filter.companyIds?.includes(id))),
  );
}

export async function downloadExportFile(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`download failed: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Rows of a downloaded export file, by format. */
export function exportFileRows(file: Buffer, format: 'json' | 'jsonl' | 'csv'): unknown[] {
  const text = gunzipSync(file).toString('utf8');
  if (format === 'json') return JSON.parse(text) as unknown[];
  if (format === 'jsonl')
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as unknown);
  return text
    .split('\r\n')
    .filter((l) => l.length > 0)
    .slice(1);
}
