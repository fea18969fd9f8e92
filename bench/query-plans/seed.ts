/**
 * The data the query-plan check explains against, written straight into the collections in the shapes the
 * repositories write: 2,000 tenants, of which 20 busy apps hold the raw tracking data (50,000 calls over
 * January to March 2024, their profiles and daily counters), many export jobs and webhooks; every tenant has
 * a few settings, jobs and deliveries. Due work (pending partitions, deliveries, notifications, sweeps) is
 * scheduled in the future, so the running workers leave the data as seeded.
 */
import { RAW_COLLECTIONS } from '@exportd/records';
import type { Db, Document } from 'mongodb';

const TENANTS = 2_000;
const BUSY_APPS = 20;
const CALLS_PER_APP = 2_500;
const USERS_PER_APP = 500;
const COMPANIES_PER_APP = 300;
const USAGE_ROWS_PER_APP = 1_500;
const ATTRIBUTE_DAYS_PER_APP = 500;
const FIRST_DAY = Date.parse('2024-01-01T00:00:00Z');
const SPAN_DAYS = 90;
const DAY_MS = 86_400_000;
const CALLS_PER_ROUND = 50;

/** Ids and values the explained queries use (all of the first busy app, which has rows everywhere). */
export interface Sample {
  appId: string;
  trackingKey: string;
  keyPrefix: string;
  keyId: string;
  callIds: string[];
  journalId: string;
  userIds: string[];
  companyIds: string[];
  userProfileIds: string[];
  companyProfileIds: string[];
  usageId: string;
  attributesDayId: string;
  exclusionId: string;
  namedFilterId: string;
  featureId: string;
  segmentId: string;
  jobIds: string[];
  slotId: string;
  partitionId: string;
  attemptId: string;
  notifyAttemptId: string;
  notificationId: string;
  pendingDeliveryIds: string[];
  deliveryNextAttemptAt: Date;
  leaseToken: string;
  claimId: string;
  endpointId: string;
  endpointVersion: number;
}

const appIdOf = (n: number) => `app_${String(n).padStart(4, '0')}`;
const trackingKeyOf = (n: number) => `tk_${n}_${(n * 7919).toString(36)}`;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const attrs = (i: number) => ({ plan: JSON.stringify(i % 3 ? 'pro' : 'free'), seats: String(i % 97) });

/** Seeds every collection; `say` reports progress. Returns the sample the queries are built from. */
export async function seed(db: Db, now: Date, say: (line: string) => void): Promise<Sample> {
  const insert = async (name: string, docs: Document[]) => {
    for (let i = 0; i < docs.length; i += 5_000)
      await db.collection(name).insertMany(docs.slice(i, i + 5_000), { ordered: false });
    say(`  ${name}: ${docs.length} documents`);
  };
  const t = now.getTime();
  const busy = [...Array(BUSY_APPS).keys()].map(appIdOf);

  // ---- ingestion: apps and keys, raw records (busy apps only), the projection journal ----
  await insert(
    'apps',
    [...Array(TENANTS).keys()].map((n) => ({
      _id: appIdOf(n),
      name: `Tenant ${n}`,
      plan: n % 4 ? 'enterprise' : 'free',
      trackingKey: trackingKeyOf(n),
      createdAt: new Date(t - (TENANTS - n) * 3_600_000),
    })),
  );
  await insert(
    'api_keys',
    [...Array(TENANTS * 2).keys()].map((k) => ({
      _id: `key_${k}`,
      appId: appIdOf(k % TENANTS),
      prefix: `ek_${k.toString(36).padStart(6, '0')}`,
      hash: `h${k}`,
      privileges: ['exports:read', 'exports:write'],
      createdAt: new Date(t - k * 60_000),
      revokedAt: k % 5 === 0 ? new Date(t) : null,
    })),
  );
  // Interleaved by app, as calls of many apps arrive together.
  const calls: Document[] = [];
  for (let k = 0; k < CALLS_PER_APP; k++)
    for (const [a, appId] of busy.entries()) {
      const timestamp = new Date(FIRST_DAY + Math.floor((k / CALLS_PER_APP) * SPAN_DAYS * DAY_MS) + a * 1000);
      const kind = k % 25;
      const type = kind < 2 ? 'user' : kind < 3 ? 'company' : kind < 5 ? 'feedback' : 'event';
      const companyId = `comp_${k % COMPANIES_PER_APP}`;
      calls.push({
        _id: `${appId}:m:${k}`,
        appId,
        type,
        messageId: String(k),
        userId: `user_${k % USERS_PER_APP}`,
        ...(type === 'company' ? { companyId } : {}),
        ...(type === 'event' ? { event: `event_${k % 40}` } : {}),
        ...(type === 'feedback' ? { featureId: `feature_${k % 30}`, score: k % 5, comment: 'ok' } : {}),
        attributes: JSON.stringify({ plan: k % 3 ? 'pro' : 'free', url: `/page/${k % 200}` }),
        active: true,
        timestamp,
        day: dayOf(timestamp.getTime()),
        receivedAt: timestamp,
        companyIds: [companyId],
        journalId: `round_${appId}_${Math.floor(k / CALLS_PER_ROUND)}`,
      });
    }
  await insert(RAW_COLLECTIONS.calls, calls);
  const profiles = (count: number, idField: string, linkField: string, link: string) =>
    [...Array(count).keys()].flatMap((k) =>
      busy.map((appId) => ({
        _id: `${appId}:${idField === 'userId' ? 'user' : 'comp'}_${k}`,
        appId,
        [idField]: `${idField === 'userId' ? 'user' : 'comp'}_${k}`,
        firstSeen: new Date(FIRST_DAY + Math.floor((k / count) * SPAN_DAYS * DAY_MS)),
        lastSeen: new Date(FIRST_DAY + SPAN_DAYS * DAY_MS),
        attributes: attrs(k),
        [linkField]: [`${link}_${k % 50}`],
        updatedAt: now,
      })),
    );
  await insert(RAW_COLLECTIONS.users, profiles(USERS_PER_APP, 'userId', 'companyIds', 'comp'));
  await insert(RAW_COLLECTIONS.companies, profiles(COMPANIES_PER_APP, 'companyId', 'userIds', 'user'));
  const usage = [...Array(USAGE_ROWS_PER_APP).keys()].flatMap((k) =>
    busy.map((appId) => {
      const [companyId, event, day] = [
        `comp_${k % COMPANIES_PER_APP}`,
        `event_${k % 40}`,
        dayOf(FIRST_DAY + (k % SPAN_DAYS) * DAY_MS),
      ];
      return { _id: `${appId}|${companyId}|${event}|${day}`, appId, companyId, event, day, count: 1 + (k % 7) };
    }),
  );
  await insert(RAW_COLLECTIONS.usageDaily, usage);
  const attributeDays = [...Array(ATTRIBUTE_DAYS_PER_APP).keys()].flatMap((k) =>
    busy.map((appId) => {
      const [companyId, day] = [`comp_${k % COMPANIES_PER_APP}`, dayOf(FIRST_DAY + (k % SPAN_DAYS) * DAY_MS)];
      return { _id: `${appId}|${companyId}|${day}`, appId, companyId, day, attributes: JSON.stringify({ plan: 'pro' }) };
    }),
  );
  await insert(RAW_COLLECTIONS.companyAttributesDaily, attributeDays);
  await insert(
    'tracking_projection_journal',
    [...Array(40).keys()].map((k) => ({
      _id: `round_${appIdOf(k % BUSY_APPS)}_${k}`,
      appId: appIdOf(k % BUSY_APPS),
      callIds: [`${appIdOf(k % BUSY_APPS)}:m:${k}`],
      createdAt: new Date(t - k * 1000),
    })),
  );

  // ---- aggregation: settings of every tenant (busy apps have more) ----
  const perTenant = (busyCount: number, idleCount: number, make: (appId: string, k: number, busy: boolean) => Document) =>
    [...Array(TENANTS).keys()].flatMap((n) =>
      [...Array(n < BUSY_APPS ? busyCount : idleCount).keys()].map((k) => make(appIdOf(n), k, n < BUSY_APPS)),
    );
  await insert(
    'exclusions',
    perTenant(100, 2, (appId, k) => ({
      _id: `${appId}|user|user_${k}`,
      appId,
      kind: 'user',
      value: `user_${k}`,
      createdAt: now,
    })),
  );
  await insert(
    'named_filters',
    perTenant(20, 2, (appId, k) => ({
      _id: `${appId}|FILTER_${k}`,
      appId,
      name: `FILTER_${k}`,
      displayName: `Filter ${k}`,
      filter: `plan == 'p${k}'`,
      createdAt: now,
      updatedAt: now,
    })),
  );
  await insert(
    'features',
    perTenant(30, 3, (appId, k) => ({
      _id: `${appId}_feature_${k}`,
      appId,
      name: `Feature ${k}`,
      events: [`event_${k}`],
      createdAt: now,
      updatedAt: now,
    })),
  );
  await insert(
    'segments',
    perTenant(20, 2, (appId, k) => ({
      _id: `${appId}_segment_${k}`,
      appId,
      name: `Segment ${k}`,
      filter: 'plan == "pro"',
      createdAt: now,
      updatedAt: now,
    })),
  );

  // ---- export-job: one job a day for busy apps (100 days), two in 100 days for the others; nothing is deleted ----
  const jobs: Document[] = [];
  const ends: Document[] = [];
  const slots: Document[] = [];
  const partitions: Document[] = [];
  const attempts: Document[] = [];
  const results: Document[] = [];
  const failures: Document[] = [];
  const notifyAttempts: Document[] = [];
  for (let n = 0; n < TENANTS; n++) {
    const appId = appIdOf(n);
    const count = n < BUSY_APPS ? 100 : 2;
    for (let k = 0; k < count; k++) {
      const jobId = `${appId}_job_${k}`;
      const open = k === count - 1 && n % 10 === 0; // a few apps have a job in progress
      const daysAgo = open ? 0.05 : n < BUSY_APPS ? count - k : 1 + ((n * 37 + k * 50) % 100);
      const createdAt = new Date(t - daysAgo * DAY_MS + n * 1000);
      const keys = n < BUSY_APPS ? ['2024-01-01', '2024-02-01', '2024-03-01'] : ['2024-01-01'];
      jobs.push({
        _id: jobId,
        appId,
        api: k % 2 ? 'bulk' : 'on_demand',
        datasets: ['events'],
        format: 'jsonl',
        fromDay: '2024-01-01',
        toDay: '2024-03-31',
        eventTypes: [],
        userIds: [],
        companyIds: [],
        segmentId: '',
        exclusions: false,
        emails: [],
        filters: [],
        partitionKeys: keys,
        slotId: `${appId}#${k + 1}`,
        createdAt,
        visibleUntil: new Date(createdAt.getTime() + 3 * DAY_MS),
        filesDeleted: createdAt.getTime() + 7 * DAY_MS < t,
      });
      slots.push({ _id: `${appId}#${k + 1}`, appId, n: k + 1, jobId, createdAt, ended: !open });
      if (!open) {
        const notify = k === count - 2 && n % 7 === 0; // a few notifications still pending (due tomorrow)
        ends.push({
          _id: jobId,
          appId,
          status: 'completed',
          at: createdAt,
          error: null,
          files: [],
          manifestKey: `apps/${appId}/exports/${jobId}/manifest.json`,
          notifyPending: notify,
          notifyNextAt: notify ? new Date(t + DAY_MS) : null,
          notifyAttempts: 1,
        });
        notifyAttempts.push({ _id: `${jobId}#1`, appId, jobId, attempt: 1, owner: 'seed', at: createdAt });
      }
      if (k % 5 === 0) failures.push({ _id: `${jobId}_failure`, appId, jobId, at: createdAt, error: 'S3 upload failed' });
      for (const [index, key] of keys.entries()) {
        const partitionId = `${jobId}:${key}`;
        partitions.push({
          _id: partitionId,
          appId,
          jobId,
          jobCreatedAt: createdAt,
          index,
          key,
          dataset: 'events',
          fromDay: key,
          toDay: key,
          status: open ? 'pending' : 'done',
          leaseUntil: open ? new Date(t + DAY_MS) : createdAt,
          attempts: open ? 0 : 1,
          startedAt: createdAt,
          lastError: null,
        });
        if (open) continue;
        attempts.push({
          _id: `${partitionId}#1`,
          appId,
          jobId,
          partitionId,
          attempt: 1,
          owner: 'seed',
          claimedAt: createdAt,
          leaseUntil: createdAt,
          outcome: 'done',
          error: null,
        });
        const file = { partition: key, filename: `${key}.jsonl.gz`, key: `apps/${appId}/${key}`, rows: 1, bytes: 1, sha256: '0' };
        results.push({ _id: partitionId, appId, jobId, index, attempt: 1, file, at: createdAt });
      }
    }
  }
  await insert('export_jobs', jobs);
  await insert('export_job_ends', ends);
  await insert('export_job_slots', slots);
  await insert('export_partitions', partitions);
  await insert('export_partition_attempts', attempts);
  await insert('export_partition_results', results);
  await insert('export_finalize_failures', failures);
  await insert('export_notify_attempts', notifyAttempts);

  // ---- notification: one notification per ended job, an email and (busy apps) a webhook delivery each ----
  const notifications: Document[] = [];
  const deliveries: Document[] = [];
  const deliveryAttempts: Document[] = [];
  for (const [i, end] of ends.entries()) {
    const appId = end.appId as string;
    const jobId = end._id as string;
    const busyApp = Number(appId.slice(4)) < BUSY_APPS;
    const planned = [
      { channel: 'email', recipient: 'ops@example.com', endpointId: null },
      ...(busyApp
        ? [{ channel: 'webhook', recipient: 'https://hooks.example.com/x', endpointId: `${appId}_endpoint_${i % 5}` }]
        : []),
    ].map((d, j) => {
      const pending = i % 50 === 0 && j === 0; // a few deliveries wait for a retry (tomorrow)
      return {
        _id: `${jobId}_delivery_${j}`,
        appId,
        jobId,
        eventType: 'export.completed',
        ...d,
        status: pending ? 'pending' : 'delivered',
        attemptCount: 1,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: pending ? new Date(t + DAY_MS) : null,
        leaseToken: null,
        deliveredAt: pending ? null : end.at,
        createdAt: end.at,
        email: null,
        webhookBody: null,
      };
    });
    notifications.push({
      _id: `${appId}|${jobId}|export.completed`,
      appId,
      jobId,
      eventType: 'export.completed',
      deliveries: [],
      createdAt: end.at,
    });
    deliveries.push(...planned);
    for (const d of planned)
      deliveryAttempts.push({
        _id: `${d._id}/lease_${i}`,
        appId,
        deliveryId: d._id,
        at: end.at,
        statusCode: 200,
        error: null,
        durationMs: 20,
        abandoned: false,
        outcome: d.status,
        nextAttemptAt: d.nextAttemptAt,
      });
  }
  await insert('notifications', notifications);
  await insert('deliveries', deliveries);
  await insert('delivery_attempts', deliveryAttempts);
  await insert(
    'delivery_claims',
    [...Array(200).keys()].map((k) => ({ _id: `claim_${k}`, appId: appIdOf(k % TENANTS), at: new Date(t - k * 1000) })),
  );
  // Busy apps: 5 endpoints with 20 versions each (rotations, patches); the others: one endpoint, two versions.
  // As the repository stores them: superseded versions are stubs (_id, appId, version, superseded: true).
  await insert(
    'webhook_endpoint_versions',
    perTenant(100, 2, (appId, k, busyApp) => {
      const [endpoint, version, versions] = busyApp ? [k % 5, 1 + Math.floor(k / 5), 20] : [0, 1 + k, 2];
      const _id = `${appId}_endpoint_${endpoint}@${version}`;
      if (version < versions) return { _id, appId, version, superseded: true };
      return {
        _id,
        appId,
        endpointId: `${appId}_endpoint_${endpoint}`,
        version,
        superseded: false,
        url: 'https://hooks.example.com/x',
        eventTypes: ['export.completed'],
        disabled: false,
        secret: 'sealed',
        createdAt: now,
        updatedAt: now,
      };
    }),
  );

  const app = busy[0] as string;
  const pendingDelivery = deliveries.find((d) => d.appId === app && d.status === 'pending');
  return {
    appId: app,
    trackingKey: trackingKeyOf(0),
    keyPrefix: 'ek_000000',
    keyId: 'key_0',
    callIds: calls
      .filter((c) => c.appId === app)
      .slice(0, 500)
      .map((c) => c._id as string),
    journalId: `round_${app}_0`,
    userIds: [...Array(200).keys()].map((k) => `user_${k}`),
    companyIds: [...Array(50).keys()].map((k) => `comp_${k}`),
    userProfileIds: [...Array(200).keys()].map((k) => `${app}:user_${k}`),
    companyProfileIds: [...Array(50).keys()].map((k) => `${app}:comp_${k}`),
    usageId: usage[0]?._id as string,
    attributesDayId: attributeDays[0]?._id as string,
    exclusionId: `${app}|user|user_0`,
    namedFilterId: `${app}|FILTER_0`,
    featureId: `${app}_feature_0`,
    segmentId: `${app}_segment_0`,
    jobIds: jobs
      .filter((j) => j.appId === app)
      .slice(-5)
      .map((j) => j._id as string),
    slotId: `${app}#100`,
    partitionId: `${app}_job_99:2024-01-01`,
    attemptId: `${app}_job_98:2024-01-01#1`,
    notifyAttemptId: `${app}_job_98#1`,
    notificationId: `${app}|${app}_job_98|export.completed`,
    pendingDeliveryIds: deliveries.filter((d) => d.appId === app && d.status === 'pending').map((d) => d._id as string),
    deliveryNextAttemptAt: (pendingDelivery?.nextAttemptAt as Date | undefined) ?? new Date(t + DAY_MS),
    leaseToken: 'lease_0',
    claimId: 'claim_0',
    endpointId: `${app}_endpoint_0`,
    endpointVersion: 20,
  };
}
