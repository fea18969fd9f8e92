/**
 * The services' hot-path queries, as their repositories build them (filter, sort, limit), with the source line
 * each comes from. `match` is text on that line (`anchor`, when set, must be on it or one of the two lines
 * before), so run.ts can name file:line as the file is now and flag a query whose code has changed.
 */
import { RAW_COLLECTIONS } from '@exportd/records';
import type { Document } from 'mongodb';
import type { Sample } from './seed';

export type Service = 'aggregation' | 'ingestion' | 'export-job' | 'notification';

export interface Source {
  file: string;
  match: string;
  anchor?: string;
}

export interface Shape {
  service: Service;
  collection: string;
  /** How the repository runs it: find, findOne, countDocuments, aggregate, updateOne, deleteMany, ... */
  op: string;
  sources: Source[];
  filter: Document;
  sort?: Record<string, 1 | -1>;
  limit?: number;
  /** Stages after the `$match` (aggregate and countDocuments). */
  pipeline?: Document[];
}

const AGG = 'apps/aggregation/src';
const ING = 'apps/ingestion/src';
const JOBS = 'apps/export-job/src/jobs/export-job.repository.ts';
const QUEUE = 'apps/export-job/src/queue/partition-queue.repository.ts';
const OUTBOX = 'apps/notification/src/outbox/delivery.repository.ts';
const WEBHOOKS = 'apps/notification/src/webhooks/webhook-endpoint.repository.ts';
const COUNT = [{ $group: { _id: 1, n: { $sum: 1 } } }];

/** Every hot-path query shape, with the sample's values. `now` is the time the workers' scans use. */
export function hotPaths(s: Sample, now: Date): Shape[] {
  const { appId } = s;
  const day = '2024-01-15';
  const today = now.toISOString().slice(0, 10);
  const rows = `${AGG}/rows/rows.repository.ts`;
  const lookups = `${AGG}/rows/lookups.service.ts`;
  const usage = `${AGG}/company-usage/company-usage.repository.ts`;
  const segments = `${AGG}/segments/segment.repository.ts`;
  const exclusions = `${AGG}/exclusions/exclusions.repository.ts`;
  const namedFilters = `${AGG}/named-filters/named-filter.repository.ts`;
  const features = `${AGG}/features/feature.repository.ts`;
  const tracking = `${ING}/tracking/tracking.repository.ts`;
  const apps = `${ING}/apps/app.repository.ts`;
  const byId = (collection: string, service: Service, op: string, _id: string, sources: Source[]): Shape => ({
    service,
    collection,
    op,
    sources,
    filter: { _id, appId },
  });
  return [
    // ---- aggregation: export partitions' row streams (one day per query), counts, lookups ----
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (events, all types; per day)',
      sources: [{ file: rows, match: 'filter.day = query.fromDay; // one query per day' }],
      filter: { appId, day },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (incremental: received in a window; per received day, receivedAt on the days it cuts)',
      sources: [{ file: rows, match: 'find({ ...filter, receivedDay: day, ...receivedAtWithin(window, day) })' }],
      filter: { appId, receivedDay: day, receivedAt: { $gte: new Date(`${day}T06:00:00Z`) } },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (event-time window: per day, timestamp on the days it cuts)',
      sources: [{ file: rows, match: 'return range ? { ...filter, day, timestamp: range } : { ...filter, day };' }],
      filter: { appId, day, timestamp: { $gte: new Date(`${day}T06:00:00.000Z`), $lt: new Date(`${day}T18:00:00.000Z`) } },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'countDocuments (CountRows, one type; per day)',
      sources: [{ file: rows, match: 'this.connection.collection(collection).countDocuments(dayFilter)' }],
      filter: { appId, day, type: 'feedback' },
      pipeline: COUNT,
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (feedback, one type; per day)',
      sources: [{ file: rows, match: 'if (query.callTypes.length === 1) filter.type = query.callTypes[0]' }],
      filter: { appId, day, type: 'feedback' },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (segment, exclusions; per day)',
      sources: [
        { file: rows, match: 'if (query.excludedUserIds.length > 0) userId.$nin = query.excludedUserIds;' },
        { file: rows, match: 'companyIds.$in = query.companyIds' },
      ],
      filter: { appId, day, userId: { $nin: s.userIds.slice(0, 100) }, companyIds: { $in: s.companyIds } },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.users,
      op: 'find (users)',
      sources: [{ file: rows, match: 'filter.firstSeen = { $lte: endOfDay(query.toDay) }', anchor: "case 'users'" }],
      filter: { appId, firstSeen: { $lte: new Date('2024-01-31T23:59:59.999Z') } },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.companies,
      op: 'find (companies)',
      sources: [{ file: rows, match: 'filter.firstSeen = { $lte: endOfDay(query.toDay) }', anchor: "case 'companies'" }],
      filter: { appId, firstSeen: { $lte: new Date('2024-01-31T23:59:59.999Z') } },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.users,
      op: 'find (users seen in an event-time window)',
      sources: [{ file: rows, match: 'return { firstSeen: { $lt: window.to }, lastSeen: { $gte: window.from } };' }],
      filter: {
        appId,
        firstSeen: { $lt: new Date('2024-01-15T18:00:00.000Z') },
        lastSeen: { $gte: new Date('2024-01-15T06:00:00.000Z') },
      },
      sort: { _id: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.companies,
      op: 'countDocuments (CountRows, companies)',
      sources: [{ file: rows, match: 'this.connection.collection(collection).countDocuments(dayFilter)' }],
      filter: { appId, firstSeen: { $lte: new Date('2024-01-31T23:59:59.999Z') } },
      pipeline: COUNT,
    },
    {
      service: 'aggregation',
      collection: 'exclusions',
      op: 'find',
      sources: [{ file: exclusions, match: 'this.model.find({ appId })' }],
      filter: { appId },
    },
    byId('exclusions', 'aggregation', 'deleteOne (superseded list versions)', `${appId}|list|1`, [
      { file: exclusions, match: 'await this.model.deleteOne({ _id: row._id, appId });' },
    ]),
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: "find (a user's calls: user data export)",
      sources: [
        { file: `${AGG}/privacy/user-data.repository.ts`, match: '.find({ appId, userId }, { batchSize: CURSOR_BATCH })' },
      ],
      filter: { appId, userId: 'user_7' },
    },
    {
      service: 'ingestion',
      collection: RAW_COLLECTIONS.calls,
      op: "find (a user's calls: erasure, in batches)",
      sources: [
        { file: `${ING}/erasure/user-erasure.repository.ts`, match: '.find({ appId, userId }, { projection: { _id: 1 } })' },
      ],
      filter: { appId, userId: 'user_7' },
      limit: 1000,
    },
    {
      service: 'aggregation',
      collection: 'exclusions',
      op: 'deleteMany (single-value records)',
      sources: [{ file: exclusions, match: 'await this.model.deleteMany({ appId, kind })' }],
      filter: { appId, kind: 'user' },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (row filter equality; per day)',
      sources: [{ file: rows, match: 'filter: withConditions(plan.filter, query.conditions)' }],
      filter: { appId, day, event: 'Opened report', $and: [{ type: { $in: ['user', 'company', 'event'] } }] },
      sort: { _id: 1 },
    },
    byId('named_filters', 'aggregation', 'findOne, findOneAndUpdate, deleteOne', s.namedFilterId, [
      { file: namedFilters, match: '.findOne({ _id: `${appId}|${name}`, appId })' },
      { file: namedFilters, match: '.findOneAndUpdate({ _id: `${appId}|${name}`, appId }' },
      { file: namedFilters, match: 'this.filters.deleteOne({ _id: `${appId}|${name}`, appId })' },
    ]),
    {
      service: 'aggregation',
      collection: 'named_filters',
      op: 'find ($NAME resolution, list)',
      sources: [{ file: namedFilters, match: 'this.filters.find({ appId }).sort({ name: 1 })' }],
      filter: { appId },
      sort: { name: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.users,
      op: 'find (user_properties)',
      sources: [
        { file: lookups, match: '.find({ appId }, { projection: { attributes: 1 }, sort: { _id: 1 }, limit: LOOKUP_SAMPLE })' },
      ],
      filter: { appId },
      sort: { _id: 1 },
      limit: 5_000,
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.companies,
      op: 'find (company_properties)',
      sources: [
        { file: lookups, match: '.find({ appId }, { projection: { attributes: 1 }, sort: { _id: 1 }, limit: LOOKUP_SAMPLE })' },
      ],
      filter: { appId },
      sort: { _id: 1 },
      limit: 5_000,
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'aggregate (features_events)',
      sources: [{ file: lookups, match: "{ $match: { appId, type: 'event' } }" }],
      filter: { appId, type: 'event' },
      pipeline: [{ $group: { _id: '$event', count: { $sum: 1 } } }, { $sort: { _id: 1 } }],
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (events_properties)',
      sources: [{ file: lookups, match: 'sort: { day: -1, _id: -1 }, limit: LOOKUP_SAMPLE' }],
      filter: { appId, type: 'event' },
      sort: { day: -1, _id: -1 },
      limit: 5_000,
    },

    // ---- aggregation: company usage (today's history), segments, features ----
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.companies,
      op: 'find',
      sources: [{ file: usage, match: '{ projection: { _id: 0, companyId: 1, firstSeen: 1, lastSeen: 1, attributes: 1 }' }],
      filter: { appId },
      sort: { companyId: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.usageDaily,
      op: 'find',
      sources: [{ file: usage, match: '{ appId, companyId, day: { $lte: lastDay }, count: { $gt: 0 } }' }],
      filter: { appId, companyId: s.companyIds[0], day: { $lte: today }, count: { $gt: 0 } },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.companyAttributesDaily,
      op: 'find',
      sources: [{ file: usage, match: '{ appId, companyId, day: { $lte: lastDay } },' }],
      filter: { appId, companyId: s.companyIds[0], day: { $lte: today } },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.calls,
      op: 'find (feedback)',
      sources: [{ file: usage, match: "{ appId, type: 'feedback', ...byCompanies, day: { $lte: lastDay } }" }],
      filter: { appId, type: 'feedback', day: { $lte: today } },
      sort: { companyIds: 1 },
    },
    {
      service: 'aggregation',
      collection: RAW_COLLECTIONS.companies,
      op: 'find (segment members)',
      sources: [{ file: segments, match: '.find({ appId }, { projection: { companyId: 1, attributes: 1 }, batchSize: 1000 })' }],
      filter: { appId },
    },
    byId('segments', 'aggregation', 'findOne, findOneAndUpdate, deleteOne', s.segmentId, [
      { file: segments, match: 'this.segments.findOne({ _id: id, appId })' },
      { file: segments, match: 'this.segments.findOneAndUpdate({ _id: id, appId }' },
      { file: segments, match: 'this.segments.deleteOne({ _id: id, appId })' },
    ]),
    {
      service: 'aggregation',
      collection: 'segments',
      op: 'find',
      sources: [{ file: segments, match: 'this.segments.find({ appId }).sort({ name: 1, _id: 1 })' }],
      filter: { appId },
      sort: { name: 1, _id: 1 },
    },
    byId('features', 'aggregation', 'findOne, findOneAndUpdate, deleteOne', s.featureId, [
      { file: features, match: 'this.features.findOne({ _id: id, appId })' },
      { file: features, match: 'this.features.findOneAndUpdate({ _id: id, appId }' },
      { file: features, match: 'this.features.deleteOne({ _id: id, appId })' },
    ]),
    {
      service: 'aggregation',
      collection: 'features',
      op: 'find',
      sources: [{ file: features, match: 'this.features.find({ appId }).sort({ name: 1, _id: 1 })' }],
      filter: { appId },
      sort: { name: 1, _id: 1 },
    },

    // ---- ingestion: tracking rounds (journal, calls, profiles, counters), apps and keys ----
    byId('tracking_projection_journal', 'ingestion', 'deleteOne', s.journalId, [
      { file: tracking, match: 'await this.journal.deleteOne({ _id: id, appId })' },
    ]),
    {
      service: 'ingestion',
      collection: 'tracking_projection_journal',
      op: 'find (start-up recovery)',
      sources: [{ file: tracking, match: 'return this.journal.find({}).sort({ createdAt: 1 }).toArray()' }],
      filter: {},
      sort: { createdAt: 1 },
    },
    {
      service: 'ingestion',
      collection: RAW_COLLECTIONS.calls,
      op: "find (a round's calls, start-up recovery)",
      sources: [{ file: tracking, match: 'const found = await this.calls.find({ appId, journalId }).toArray()' }],
      filter: { appId, journalId: s.journalId },
    },
    {
      service: 'ingestion',
      collection: RAW_COLLECTIONS.calls,
      op: 'deleteMany (late or failed round)',
      sources: [{ file: tracking, match: 'await this.calls.deleteMany({ appId, journalId, _id: { $in: ids } })' }],
      filter: { appId, journalId: s.journalId, _id: { $in: s.callIds.slice(0, 50) } },
    },
    byId(RAW_COLLECTIONS.users, 'ingestion', 'findOne (every round, per user)', s.userProfileIds[0] as string, [
      { file: tracking, match: 'this.users.findOne({ _id: profileId(appId, id), appId }' },
    ]),
    byId(
      RAW_COLLECTIONS.companies,
      'ingestion',
      'findOne (rounds with company calls, per company)',
      s.companyProfileIds[0] as string,
      [{ file: tracking, match: 'this.companies.findOne({ _id: profileId(appId, id), appId }' }],
    ),
    byId(RAW_COLLECTIONS.users, 'ingestion', 'bulkWrite updateOne (upsert)', s.userProfileIds[0] as string, [
      { file: tracking, match: 'updateOne: { filter: { _id: profileId(appId, change.id), appId }, update, upsert: true }' },
    ]),
    byId(RAW_COLLECTIONS.companies, 'ingestion', 'bulkWrite updateOne (upsert)', s.companyProfileIds[0] as string, [
      { file: tracking, match: 'updateOne: { filter: { _id: profileId(appId, change.id), appId }, update, upsert: true }' },
    ]),
    byId(RAW_COLLECTIONS.usageDaily, 'ingestion', 'bulkWrite updateOne (upsert)', s.usageId, [
      { file: tracking, match: 'filter: { _id: `${appId}|${i.companyId}|${i.event}|${i.day}`, appId },' },
    ]),
    byId(RAW_COLLECTIONS.companyAttributesDaily, 'ingestion', 'bulkWrite updateOne (upsert)', s.attributesDayId, [
      { file: tracking, match: 'filter: { _id: `${appId}|${row.companyId}|${row.day}`, appId },' },
    ]),
    {
      service: 'ingestion',
      collection: 'apps',
      op: 'findById, findOneAndUpdate',
      sources: [
        { file: apps, match: 'return this.apps.findById(appId)' },
        { file: apps, match: 'return this.apps.findOneAndUpdate({ _id: appId }' },
      ],
      filter: { _id: appId },
    },
    {
      service: 'ingestion',
      collection: 'apps',
      op: 'findOne',
      sources: [{ file: apps, match: 'return this.apps.findOne({ trackingKey })' }],
      filter: { trackingKey: s.trackingKey },
    },
    {
      service: 'ingestion',
      collection: 'api_keys',
      op: 'findOne',
      sources: [{ file: apps, match: 'return this.keys.findOne({ prefix })' }],
      filter: { prefix: s.keyPrefix },
    },
    byId('api_keys', 'ingestion', 'updateOne', s.keyId, [
      { file: apps, match: 'await this.keys.updateOne({ _id: keyId, appId }' },
    ]),

    // ---- export-job: slots, jobs, ends, the partition queue, results, notification hand-off, sweeper ----
    // The latest slot is found by probing ids: about 2·log2(n) of these per create.
    byId('export_job_slots', 'export-job', 'findOne (every create, probes)', s.slotId, [
      { file: JOBS, match: '.findOne({ _id: slotId(appId, n), appId })', anchor: 'this.slots' },
    ]),
    byId('export_job_slots', 'export-job', 'updateOne', s.slotId, [
      { file: JOBS, match: 'await this.slots.updateOne({ _id: slotId, appId }' },
    ]),
    {
      service: 'export-job',
      collection: 'export_job_slots',
      op: 'find (recovery, all apps)',
      sources: [{ file: JOBS, match: 'return this.slots.find({ ended: false }).sort({ createdAt: 1 }).limit(limit)' }],
      filter: { ended: false },
      sort: { createdAt: 1 },
      limit: 50,
    },
    byId('export_jobs', 'export-job', 'findOne, updateOne', s.jobIds[0] as string, [
      { file: JOBS, match: 'return this.jobs.findOne({ _id: jobId, appId })' },
      { file: JOBS, match: 'await this.jobs.updateOne({ _id: jobId, appId }' },
    ]),
    {
      service: 'export-job',
      collection: 'export_jobs',
      op: 'find (list jobs)',
      sources: [{ file: JOBS, match: 'const filter: Record<string, unknown> = { appId, visibleUntil: { $gt: visibleAfter } };' }],
      filter: { appId, visibleUntil: { $gt: now }, api: 'bulk' },
      sort: { createdAt: -1 },
      limit: 200,
    },
    byId('export_job_ends', 'export-job', 'findOne (job states: per job), updateOne', s.jobIds[0] as string, [
      { file: JOBS, match: 'return this.ends.findOne({ _id: jobId, appId })' },
      { file: JOBS, match: 'await this.ends.updateOne({ _id: jobId, appId }' },
    ]),
    {
      service: 'export-job',
      collection: 'export_finalize_failures',
      op: 'countDocuments',
      sources: [{ file: JOBS, match: 'return this.finalizeFailures.countDocuments({ appId, jobId })' }],
      filter: { appId, jobId: `${appId}_job_95` },
      pipeline: COUNT,
    },
    {
      service: 'export-job',
      collection: 'export_partitions',
      op: 'find (job states: per job; recovery)',
      sources: [{ file: QUEUE, match: 'return this.partitions.find({ appId, jobId }).sort({ index: 1 })' }],
      filter: { appId, jobId: s.jobIds[0] },
      sort: { index: 1 },
    },
    {
      service: 'export-job',
      collection: 'export_partitions',
      op: 'find appId (worker claim, all apps: apps with pending partitions)',
      sources: [{ file: QUEUE, match: ".find({ status: 'pending', leaseUntil: { $lte: now } }, { _id: 0, appId: 1 })" }],
      filter: { status: 'pending', leaseUntil: { $lte: now } },
    },
    {
      service: 'export-job',
      collection: 'export_partitions',
      op: 'find (worker claim, all apps: running partitions, as many as workers)',
      sources: [{ file: QUEUE, match: ".find({ status: 'running' })" }],
      filter: { status: 'running' },
    },
    {
      service: 'export-job',
      collection: 'export_partitions',
      op: 'find (worker claim, per app in fairness order: pending)',
      sources: [{ file: QUEUE, match: ".find({ status: 'pending', appId, leaseUntil: { $lte: now } })" }],
      filter: { status: 'pending', appId, leaseUntil: { $lte: now } },
      sort: { jobCreatedAt: 1, index: 1 },
      limit: 8,
    },
    byId('export_partitions', 'export-job', 'updateOne (claim, heartbeat, settle)', s.partitionId, [
      { file: QUEUE, match: '{ _id: partition._id, appId: partition.appId }', anchor: 'this.partitions' },
    ]),
    byId('export_partition_attempts', 'export-job', 'findOne, exists, updateOne', s.attemptId, [
      { file: QUEUE, match: '{ _id: partitionAttemptId(partition._id,', anchor: 'this.attempts' },
    ]),
    byId('export_partition_results', 'export-job', 'exists', s.partitionId, [
      { file: QUEUE, match: 'await this.results.exists({ _id: partitionId, appId })' },
    ]),
    {
      service: 'export-job',
      collection: 'export_partition_results',
      op: 'find (job states: per job; completion, recovery)',
      sources: [{ file: QUEUE, match: 'return this.results.find({ appId, jobId }).sort({ index: 1 })' }],
      filter: { appId, jobId: s.jobIds[0] },
      sort: { index: 1 },
    },
    {
      service: 'export-job',
      collection: 'export_job_ends',
      op: 'find (notifier, all apps)',
      sources: [{ file: JOBS, match: '.find({ notifyPending: true, notifyNextAt: { $lte: now } })' }],
      filter: { notifyPending: true, notifyNextAt: { $lte: now } },
      sort: { notifyNextAt: 1 },
      limit: 10,
    },
    byId('export_notify_attempts', 'export-job', 'findOne', s.notifyAttemptId, [
      { file: JOBS, match: '.findOne({ _id: `${jobId}#${attempt}`, appId })' },
    ]),
    {
      service: 'export-job',
      collection: 'export_jobs',
      op: 'find (sweeper, all apps)',
      sources: [{ file: JOBS, match: '.find({ filesDeleted: false })' }],
      filter: { filesDeleted: false },
      sort: { createdAt: 1 },
    },
    byId('export_job_ends', 'export-job', 'exists (sweeper: per due job)', s.jobIds[0] as string, [
      { file: JOBS, match: 'this.ends.exists({ _id: jobId, appId })' },
    ]),

    // ---- notification: the outbox, the delivery log, webhook endpoints ----
    byId('notifications', 'notification', 'findOne', s.notificationId, [
      { file: OUTBOX, match: '.findOne({ _id: notification._id, appId: notification.appId })' },
    ]),
    {
      service: 'notification',
      collection: 'deliveries',
      op: 'find (delivery log of a job)',
      sources: [{ file: OUTBOX, match: 'this.deliveries.find({ appId, jobId }).sort({ createdAt: 1, _id: 1 })' }],
      filter: { appId, jobId: `${appId}_job_98` },
      sort: { createdAt: 1, _id: 1 },
    },
    {
      service: 'notification',
      collection: 'deliveries',
      op: 'find (delivery log of an endpoint)',
      sources: [{ file: OUTBOX, match: '.find({ appId, endpointId })' }],
      filter: { appId, endpointId: s.endpointId },
      sort: { createdAt: -1, _id: 1 },
      limit: 100,
    },
    {
      service: 'notification',
      collection: 'deliveries',
      op: 'find (outbox claim, all apps)',
      sources: [{ file: OUTBOX, match: ".find({ status: 'pending', nextAttemptAt: { $lte: now } }" }],
      filter: { status: 'pending', nextAttemptAt: { $lte: now } },
      sort: { nextAttemptAt: 1 },
      limit: 20,
    },
    {
      service: 'notification',
      collection: 'delivery_claims',
      op: 'deleteOne (stale claim)',
      sources: [{ file: OUTBOX, match: 'await this.claims.deleteOne({ _id: key, at: { $lt:' }],
      filter: { _id: s.claimId, at: { $lt: new Date(now.getTime() - 30_000) } },
    },
    {
      service: 'notification',
      collection: 'delivery_claims',
      op: 'deleteOne',
      sources: [{ file: OUTBOX, match: 'await this.claims.deleteOne({ _id: key }).exec()' }],
      filter: { _id: s.claimId },
    },
    {
      service: 'notification',
      collection: 'deliveries',
      op: 'findOneAndUpdate (claim)',
      sources: [
        { file: OUTBOX, match: "{ _id: candidate._id, appId: candidate.appId, status: 'pending', nextAttemptAt: scheduled }," },
      ],
      filter: { _id: s.pendingDeliveryIds[0], appId, status: 'pending', nextAttemptAt: s.deliveryNextAttemptAt },
    },
    {
      service: 'notification',
      collection: 'deliveries',
      op: 'updateOne (save state)',
      sources: [{ file: OUTBOX, match: '{ _id: delivery._id, appId: delivery.appId, leaseToken },' }],
      filter: { _id: s.pendingDeliveryIds[0], appId, leaseToken: s.leaseToken },
    },
    {
      service: 'notification',
      collection: 'delivery_attempts',
      op: 'find (every send, delivery log: per delivery)',
      sources: [{ file: OUTBOX, match: 'return this.attempts.find({ appId, deliveryId })' }],
      filter: { appId, deliveryId: s.pendingDeliveryIds[0] },
    },
    {
      service: 'notification',
      collection: 'webhook_endpoint_versions',
      op: 'find (list, subscribed)',
      sources: [{ file: WEBHOOKS, match: '.find({ appId, superseded: false })' }],
      filter: { appId, superseded: false },
    },
    {
      service: 'notification',
      collection: 'webhook_endpoint_versions',
      op: 'findOne (find, every change)',
      sources: [{ file: WEBHOOKS, match: '.findOne({ appId, endpointId: id, superseded: false })' }],
      filter: { appId, endpointId: s.endpointId, superseded: false },
      sort: { version: -1 },
      limit: 1,
    },
    {
      service: 'notification',
      collection: 'webhook_endpoint_versions',
      op: 'updateMany (every change)',
      sources: [{ file: WEBHOOKS, match: '.updateMany({ appId, endpointId: id, version: { $lt: version } }' }],
      filter: { appId, endpointId: s.endpointId, version: { $lt: s.endpointVersion } },
    },
    {
      service: 'notification',
      collection: 'webhook_endpoint_versions',
      op: 'updateMany (start-up marking, all apps)',
      sources: [{ file: WEBHOOKS, match: '.updateMany({ superseded: { $ne: true, $exists: false } }' }],
      filter: { superseded: { $ne: true, $exists: false } },
    },
  ];
}

/**
 * Replacements a change proposes, explained the same way after the hot paths (no source: they are not in the
 * code yet), with the sample's values. None at the moment: the earlier ones (row streams one day at a time,
 * profile lookups one _id at a time, a round's calls by an indexed journalId, attempt records one delivery at a
 * time, the worker claim one status at a time) are hot paths now.
 */
export function suggestions(_s: Sample, _now: Date): Shape[] {
  return [];
}
