import { TrackingCallRecord } from '@exportd/records';
import { trackingCall } from '@exportd/testing';
import { gunzipSync } from 'node:zlib';

/**
 * Raw records spread over May..September 2024 (plus a few just outside), every call type, two users and
 * three companies; attributes include text a spreadsheet would run as a formula.
 */
export function seedCalls(appId: string, perMonth = 12): TrackingCallRecord[] {
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

const EVENT_TYPE = { user: 'identify_user', company: 'identify_company', event: 'track', feedback: 'feedback' } as const;

/** What an export with these filters must contain. */
export function expectedCalls(
  calls: TrackingCallRecord[],
  filter: { from: string; to: string; eventTypes: string[]; userIds?: string[]; companyIds?: string[] },
): TrackingCallRecord[] {
  return calls.filter(
    (c) =>
      c.day >= filter.from &&
      c.day <= filter.to &&
      filter.eventTypes.includes(EVENT_TYPE[c.type]) &&
      (!filter.userIds?.length || (c.userId !== undefined && filter.userIds.includes(c.userId))) &&
      (!filter.companyIds?.length || c.companyIds.some((id) => filter.companyIds?.includes(id))),
  );
}

export async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`download failed: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Rows of a downloaded export file, by format. */
export function rowsOf(file: Buffer, format: 'json' | 'jsonl' | 'csv'): unknown[] {
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
