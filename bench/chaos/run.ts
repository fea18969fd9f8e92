/**
 * Chaos run: `npm run chaos -- --duration 180` (seconds of faults; loopback only, bounded by the duration).
 *
 * Starts FerretDB, versitygw, an SMTP capture, a webhook receiver and the five processes (supervised: an exit
 * is restarted), then, for `--duration` seconds, runs a mixed workload while faults hit it:
 *   - tracking: single /event and /bulk calls, each with a messageId, retried as a client would (same
 *     messageId) after a 503 or a lost answer; a few invalid calls that must be refused;
 *   - exports: Bulk Data Export API jobs (with an email each) and on-demand jobs over seeded history, and a
 *     schedule run now and then; every export notifies a webhook endpoint;
 *   - faults: a random process SIGKILLed every ~20 s (the supervisor restarts it), the S3 server stopped once
 *     for 10 s.
 * Then, with the faults over, it checks and prints:
 *   - every call answered 200 is stored exactly once and counted once in the daily usage counters; none whose
 *     every answer was a 4xx or 503 is stored;
 *   - every export completed, with files equal (rows and SHA-256 of the content) to a clean re-export of the
 *     same request, and each downloaded file matching the SHA-256 its job reports;
 *   - every export's webhook arrived under one stable `webhook-id` (a redelivery repeats the id), signed, and
 *     every email exactly once.
 * Exits 1 when a check fails. Knobs: --duration (180), --kill-every (20, seconds), --trackers (6).
 */
import {
  platformEnv,
  ProcessName,
  RunningPlatform,
  RunningS3,
  SERVICE_NAMES,
  startFerretDb,
  startPlatform,
  startS3Server,
  startSmtpCapture,
  startWebhookReceiver,
  stopAllProcesses,
  WebhookReceiver,
} from '@exportd/local-stack';
import { RAW_COLLECTIONS } from '@exportd/records';

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import mongoose from 'mongoose';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { Webhook } from 'standardwebhooks';
import { flag, say } from '../shared';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DURATION_MS = flag('duration', 180) * 1000;
const KILL_EVERY_MS = flag('kill-every', 20) * 1000;
const TRACKERS = flag('trackers', 6);
const S3_OUTAGE_MS = 10_000;
const PROCESSES: ProcessName[] = ['gateway', ...SERVICE_NAMES];
/** History the exports read: seeded straight into the database, so the faults cannot change it. */
const HISTORY = { from: '2024-01-01', days: 90, events: 20_000 };

interface Outcome {
  /** Every answer's status; 0 for no answer (a lost connection or a timeout). */
  statuses: number[];
}

interface ExportRun {
  api: 'bulk' | 'on-demand' | 'schedule';
  id: string;
  /** The request, to export again once the faults are over. */
  request: Json;
  email?: string;
}

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  say(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

/** A JSON call that never throws: status 0 when no answer came. */
async function call(
  url: string,
  method: string,
  authorization: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  try {
    const response = await fetch(url, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  } catch {
    return { status: 0, body: {} };
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'exportd-chaos-'));
  say(`chaos run: ${DURATION_MS / 1000} s of faults, a kill every ~${KILL_EVERY_MS / 1000} s (data and logs in ${dataDir})`);
  const mongo = await startFerretDb({ dataDir });
  const s3Credentials = {
    accessKeyId: `chaos${randomBytes(4).toString('hex')}`,
    secretAccessKey: randomBytes(20).toString('hex'),
  };
  let s3: RunningS3 = await startS3Server({ dataDir, ...s3Credentials });
  const s3Client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3Credentials });
  await s3Client.send(new CreateBucketCommand({ Bucket: 'chaos' }));
  s3Client.destroy();
  const mailDir = join(dataDir, 'mail');
  const smtp = await startSmtpCapture({ mailDir });
  // The app's webhook endpoint, and the schedule's own webhook.
  // Both answer one request in five with a 500, so that deliveries are retried too.
  const flaky = Array.from({ length: 5_000 }, (_, i) => ({ status: i % 5 === 2 ? 500 : 200 }));
  const receiver = await startWebhookReceiver(flaky);
  const scheduleReceiver = await startWebhookReceiver(flaky);
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const mongoUrl = `${mongo.url}/chaos`;
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const restarts: string[] = [];
  const platform: RunningPlatform = await startPlatform({
    logDir,
    env: {
      ...platformEnv({ adminToken, mongoUrl, s3Endpoint: s3.endpoint, s3Credentials, bucket: 'chaos', smtpUrl: smtp.url }),
      // The webhook receiver listens on loopback.
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      TRACKING_RATE_LIMIT: '0',
      API_RATE_LIMIT: '0',
      // Short waits, so that recoveries happen within the run.
      DELIVERY_RETRY_SCHEDULE: '1s,2s,5s,10s,20s',
      EXPORT_POLL_INTERVAL_MS: '200',
      EXPORT_NOTIFY_RETRY_BASE_MS: '500',
      EXPORT_STALL_TIMEOUT_MS: '10000',
      SCHEDULER_INTERVAL_MS: '500',
      SCHEDULE_LEASE_MS: '5000',
      SCHEDULE_RETRY_BASE_MS: '500',
    },
    supervise: {
      policy: { initialDelayMs: 200, maxRestarts: 1_000, windowMs: 60_000 },
      onEvent(event) {
        if (event.type === 'recovered') restarts.push(event.name);
        if (event.type === 'gave-up') failures.push(`the supervisor gave up on ${event.name}`);
      },
    },
  });
  const gateway = platform.gatewayUrl;
  const admin = `Bearer ${adminToken}`;

  try {
    const tracked = await call(`${gateway}/admin/v1/apps`, 'POST', admin, { name: 'chaos-tracking', plan: 'enterprise' });
    const exporting = await call(`${gateway}/admin/v1/apps`, 'POST', admin, { name: 'chaos-exports', plan: 'enterprise' });
    if (tracked.status !== 201 || exporting.status !== 201) throw new Error('creating the apps failed');
    const trackingApp = tracked.body as { id: string; trackingKey: string };
    const exportApp = exporting.body as { id: string; apiKey: string };
    const bearer = `Bearer ${exportApp.apiKey}`;
    const token = `Token ${exportApp.apiKey}`;

    say(`seeding ${HISTORY.events} events of history, and yesterday's for the schedule...`);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await seedHistory(mongoUrl, exportApp.id, HISTORY.events, HISTORY.from, HISTORY.days);
    await seedHistory(mongoUrl, exportApp.id, 2_000, yesterday, 1);

    const endpoint = await call(`${gateway}/api/v1/webhooks`, 'POST', bearer, {
      url: receiver.url,
      eventTypes: ['export.completed'],
    });
    const schedule = await call(`${gateway}/api/v1/export-schedules`, 'POST', bearer, {
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'jsonl',
      delivery: { webhookUrl: scheduleReceiver.url, emails: ['schedule@example.com'] },
    });
    if (endpoint.status !== 201 || schedule.status !== 201) throw new Error('creating the webhook endpoint or schedule failed');

    const outcomes = new Map<string, Outcome>();
    const refused = new Map<string, Outcome>();
    const exports: ExportRun[] = [];
    const faults: string[] = [];
    const deadline = Date.now() + DURATION_MS;
    const running = () => Date.now() < deadline;

    /** Sends calls until answered 200 or a 4xx, for up to ~60 s: a client's retry with the same messageIds. */
    const send = async (path: string, body: unknown, ids: string[], into: Map<string, Outcome>) => {
      for (const id of ids) into.set(id, { statuses: [] });
      for (let attempt = 1; attempt <= 10; attempt++) {
        const { status } = await call(`${gateway}/${trackingApp.trackingKey}/${path}`, 'POST', undefined, body);
        for (const id of ids) into.get(id)?.statuses.push(status);
        if (status === 200 || (status >= 400 && status < 500)) return;
        await sleep(Math.min(500 * 2 ** (attempt - 1), 10_000));
      }
    };
    const event = (i: number) => ({
      event: `chaos_${i % 7}`,
      userId: `user_${i % 50}`,
      companyId: `comp_${i % 10}`,
      messageId: randomUUID(),
    });
    const tracker = async (worker: number) => {
      for (let i = worker; running(); i += TRACKERS) {
        if (worker === 0 && i % 60 === 0) {
          const calls = Array.from({ length: 100 }, (_, j) => ({ type: 'event', ...event(i + j) }));
          await send(
            'bulk',
            calls,
            calls.map((c) => c.messageId),
            outcomes,
          );
        } else if (i % 97 === 1) {
          // No userId: a 400, never stored.
          const { userId: _, ...invalid } = event(i);
          await send('event', invalid, [invalid.messageId], refused);
        } else {
          const body = event(i);
          await send('event', body, [body.messageId], outcomes);
        }
      }
    };

    /** Creates one export through `api` (retrying a lost answer or a 503), then waits for it to end. */
    const exportOnce = async (api: ExportRun['api'], request: Json, email?: string) => {
      for (let attempt = 1; attempt <= 10 && running(); attempt++) {
        const created =
          api === 'bulk'
            ? await call(`${gateway}/api/v1/analytics/exports`, 'POST', token, request)
            : api === 'on-demand'
              ? await call(`${gateway}/api/v1/exports`, 'POST', bearer, request)
              : await call(`${gateway}/api/v1/export-schedules/${schedule.body.id as string}/run`, 'POST', bearer);
        let id = (created.body.job_id ?? created.body.id ?? created.body.exportId) as string | undefined;
        // No answer, or 502 `outcome_unknown`: the job may exist. Each loop has one creation in flight at a time,
        // so a job of its kind that nobody has seen is the one this request made.
        if (created.status === 0 || created.status === 502) id = (await unseenJobs(api))[0];
        else if (created.status !== 201 && created.status !== 202) id = undefined;
        if (id) {
          exports.push({ api, id, request, email });
          await waitForEnd(api, id);
          return;
        }
        // Tried again: nothing made, a 503, or a 409 (the app's previous Bulk API job is still running). Any
        // other answer is the script's mistake.
        if (![0, 502, 503, 409].includes(created.status))
          throw new Error(`creating a ${api} export answered ${created.status}: ${JSON.stringify(created.body)}`);
        await sleep(1_000 * attempt);
      }
    };
    /** Jobs of `api` (schedule runs apart from other on-demand jobs) missing from `exports`, newest first. */
    const unseenJobs = async (api: ExportRun['api']): Promise<string[]> => {
      for (const until = Date.now() + 60_000; Date.now() < until; await sleep(1_000)) {
        const listed =
          api === 'bulk'
            ? await call(`${gateway}/api/v1/analytics/exports/jobs`, 'GET', token)
            : await call(`${gateway}/api/v1/exports`, 'GET', bearer);
        if (listed.status !== 200) continue;
        const jobs: Json[] = api === 'bulk' ? (listed.body as unknown as Json[]) : listed.body.data;
        const ids = jobs
          .filter((job) => api === 'bulk' || Boolean(job.scheduleId) === (api === 'schedule'))
          .map((job) => (job.job_id ?? job.id) as string);
        return ids.filter((id) => !exports.some((run) => run.id === id)).reverse();
      }
      throw new Error(`listing the ${api} jobs failed for 60 s`);
    };
    const waitForEnd = async (api: ExportRun['api'], id: string, until = Date.now() + 300_000) => {
      while (Date.now() < until) {
        const job = await jobOf(api, id);
        if (job && ['completed', 'failed', 'cancelled'].includes(job.status as string)) return job;
        await sleep(500);
      }
      return undefined;
    };
    const jobOf = async (api: ExportRun['api'], id: string): Promise<Json | undefined> => {
      const answer =
        api === 'bulk'
          ? await call(`${gateway}/api/v1/analytics/exports/jobs/${id}`, 'GET', token)
          : await call(`${gateway}/api/v1/exports/${id}`, 'GET', bearer);
      return answer.status === 200 ? answer.body : undefined;
    };
    const formats = ['csv', 'json', 'jsonl'];
    const bulkExporter = async () => {
      for (let n = 0; running(); n++) {
        const month = (n % 3) + 1;
        const request = {
          from: `2024-0${month}-01`,
          to: `2024-0${month}-28`,
          format: formats[n % 3],
          emails: [`bulk-${n}-chaos@example.com`],
        };
        await exportOnce('bulk', request, request.emails[0]);
      }
    };
    const onDemandExporter = async () => {
      for (let n = 0; running(); n++) {
        const month = (n % 3) + 1;
        // At most 30 days per on-demand export.
        const request = {
          startDate: `2024-0${month}-01`,
          endDate: n % 2 ? `2024-0${month}-28` : `2024-0${month}-15`,
          dataTypes: n % 2 ? ['events'] : ['events', 'feedback'],
          format: n % 2 ? 'csv' : 'jsonl',
        };
        await exportOnce('on-demand', request);
      }
    };
    const scheduleRunner = async () => {
      while (running()) {
        await exportOnce('schedule', {});
        await sleep(15_000);
      }
    };
    const chaos = async () => {
      let s3Stopped = false;
      const order: ProcessName[] = [];
      await sleep(KILL_EVERY_MS / 2);
      while (running()) {
        if (!s3Stopped && Date.now() > deadline - (DURATION_MS * 2) / 3) {
          s3Stopped = true;
          faults.push('s3 stopped for 10 s');
          await s3.process.stop('SIGKILL');
          await sleep(S3_OUTAGE_MS);
          s3 = await startS3Server({ dataDir, port: s3.port, ...s3Credentials });
        }
        // Each process in turn, in a new random order every five kills.
        if (order.length === 0) order.push(...[...PROCESSES].sort(() => Math.random() - 0.5));
        const name = order.shift() as ProcessName;
        faults.push(`SIGKILL ${name}`);
        platform.processes.get(name)?.child.kill('SIGKILL');
        await sleep(KILL_EVERY_MS * (0.75 + Math.random() / 2));
      }
    };

    say(`running the workload and the faults for ${DURATION_MS / 1000} s...`);
    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: TRACKERS }, (_, worker) => tracker(worker)),
      bulkExporter(),
      onDemandExporter(),
      scheduleRunner(),
      chaos(),
    ]);
    say(`faults over after ${Math.round((Date.now() - started) / 1000)} s: ${faults.join(', ')}`);
    say(`processes restarted by the supervisor: ${restarts.length} (${restarts.join(', ')})`);
    await waitHealthy(gateway);

    say('\ntracking');
    await checkTracking(mongoUrl, trackingApp.id, outcomes, refused);

    say('\nexports');
    // A job nobody was told of was made by a request answered 503 or 409 (one with no answer is adopted above).
    const unseen = [...(await unseenJobs('bulk')), ...(await unseenJobs('on-demand')), ...(await unseenJobs('schedule'))];
    check(unseen.length === 0, `no export was made by a request refused with a 503 or 409 (${unseen.join(', ') || 'none'})`);
    const ended = new Map<string, Json | undefined>();
    for (const run of exports) ended.set(run.id, await waitForEnd(run.api, run.id, Date.now() + 120_000));
    const byApi = (api: ExportRun['api']) => exports.filter((run) => run.api === api).length;
    say(
      `  ${exports.length} exports: ${byApi('bulk')} Bulk API, ${byApi('on-demand')} on-demand, ${byApi('schedule')} schedule runs`,
    );
    const notCompleted = exports.filter((run) => ended.get(run.id)?.status !== 'completed');
    check(
      notCompleted.length === 0,
      `every export completed (${notCompleted.map((r) => `${r.id}: ${ended.get(r.id)?.status ?? 'unknown'}`).join(', ') || 'all'})`,
    );
    say('\ndeliveries');
    // Checked before the re-exports, which notify the app's endpoint too. Redeliveries are seconds apart.
    await sleep(10_000);
    const endedAs = (...statuses: string[]) => exports.filter((run) => statuses.includes(ended.get(run.id)?.status as string));
    // The app's endpoint is subscribed to export.completed; a schedule's webhook and every email hear of failures too.
    checkWebhooks('app endpoint', endedAs('completed'), receiver, endpoint.body.secret as string);
    const scheduleRuns = endedAs('completed', 'failed').filter((run) => run.api === 'schedule');
    checkWebhooks('schedule webhook', scheduleRuns, scheduleReceiver, schedule.body.webhookSecret as string);
    checkEmails(endedAs('completed', 'failed'), mailDir);

    say('\nre-exports');
    let compared = 0;
    const differing: string[] = [];
    for (const run of exports) {
      const job = ended.get(run.id);
      if (job?.status !== 'completed') continue;
      const again = await reexport(run);
      if (!again) {
        differing.push(`${run.id}: the re-export did not complete`);
        continue;
      }
      const [first, second] = [await contentOf(run.api, job), await contentOf(run.api, again)];
      compared++;
      if (first.join() !== second.join()) differing.push(`${run.id}: ${first.join(' ')} != ${second.join(' ')}`);
    }
    check(
      differing.length === 0,
      `${compared} completed exports equal a clean re-export (rows, SHA-256)${differing.length ? `: ${differing.join('; ')}` : ''}`,
    );

    /** Files of a completed job: name, rows and the SHA-256 of its decompressed content, each downloaded. */
    async function contentOf(api: ExportRun['api'], job: Json): Promise<string[]> {
      const links: { filename: string; url: string }[] = api === 'bulk' ? job.presigned_urls : job.files;
      const files = job.files as { filename: string; rows: number; sha256: string }[];
      const out: string[] = [];
      for (const file of files) {
        const url = links.find((link) => link.filename === file.filename)?.url;
        const bytes = url ? Buffer.from(await (await fetch(url)).arrayBuffer()) : Buffer.alloc(0);
        if (createHash('sha256').update(bytes).digest('hex') !== file.sha256)
          differing.push(`${job.id ?? job.job_id}: ${file.filename} does not match the SHA-256 its job reports`);
        const content = file.filename.endsWith('.gz') ? gunzipSync(bytes) : bytes;
        out.push(`${file.filename}:${file.rows}:${createHash('sha256').update(content).digest('hex').slice(0, 16)}`);
      }
      return out;
    }
    /** The same request once more, with no faults; schedule runs are exported again by the on-demand API. */
    async function reexport(run: ExportRun): Promise<Json | undefined> {
      if (run.api === 'bulk') {
        const { emails: _, ...request } = run.request;
        const created = await call(`${gateway}/api/v1/analytics/exports`, 'POST', token, request);
        return created.status === 201 ? waitForEnd('bulk', created.body.job_id as string) : undefined;
      }
      const original = ended.get(run.id) as Json;
      const request =
        run.api === 'schedule'
          ? { startDate: original.startDate, endDate: original.endDate, dataTypes: original.dataTypes, format: original.format }
          : run.request;
      const created = await call(`${gateway}/api/v1/exports`, 'POST', bearer, request);
      return created.status === 202 ? waitForEnd('on-demand', created.body.id as string) : undefined;
    }
  } finally {
    await platform.stop();
    await receiver.close();
    await scheduleReceiver.close();
    await smtp.stop();
    await s3.process.stop();
    await mongo.stop();
  }
  if (failures.length === 0) rmSync(dataDir, { recursive: true, force: true });
  else say(`\nlogs kept in ${dataDir}`);
}

/** Raw event calls of `appId`, spread evenly over `days` days from `from`, inserted in one writer's batches. */
async function seedHistory(mongoUrl: string, appId: string, events: number, from: string, days: number): Promise<void> {
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  const start = Date.parse(`${from}T00:00:00Z`);
  for (let offset = 0; offset < events; offset += 5_000) {
    const docs = [];
    for (let i = offset; i < Math.min(events, offset + 5_000); i++) {
      const timestamp = new Date(start + Math.floor((i / events) * days * 86_400_000));
      const day = timestamp.toISOString().slice(0, 10);
      const companyId = `comp_${i % 30}`;
      docs.push({
        _id: `${appId}:seed:${from}:${i}`,
        appId,
        type: 'event',
        userId: `user_${i % 500}`,
        companyId,
        event: `event_${i % 12}`,
        attributes: JSON.stringify({ n: i }),
        active: true,
        timestamp,
        day,
        receivedAt: timestamp,
        receivedDay: day,
        companyIds: [companyId],
      });
    }
    await connection.collection(RAW_COLLECTIONS.calls).insertMany(docs as never[], { ordered: false });
  }
  await connection.close();
}

async function waitHealthy(gateway: string): Promise<void> {
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(500)) {
    if ((await call(`${gateway}/healthz`, 'GET', undefined)).status === 200) return;
  }
  throw new Error('the platform did not become healthy after the faults');
}

/** Stored exactly once per call answered 200, none for calls only ever refused, and counted once in usage. */
async function checkTracking(mongoUrl: string, appId: string, outcomes: Map<string, Outcome>, refused: Map<string, Outcome>) {
  const answered = (o: Outcome) => o.statuses.includes(200);
  const neverStored = (o: Outcome) => !answered(o) && o.statuses.every((s) => s === 503 || (s >= 400 && s < 500));
  const all = [...outcomes.values()];
  const lost = all.filter((o) => !answered(o) && !neverStored(o)).length;
  const retried = all.filter((o) => o.statuses.length > 1).length;
  const rejected503 = all.filter((o) => o.statuses.includes(503)).length;
  say(
    `  ${outcomes.size} calls: ${all.filter(answered).length} answered 200 (${retried} after a retry; ${rejected503} saw a 503), ` +
      `${all.filter(neverStored).length} only ever refused, ${lost} left without a final answer; ${refused.size} invalid`,
  );
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  try {
    const calls = connection.collection(RAW_COLLECTIONS.calls);
    const stored = new Map<string, number>();
    let docs: Json[] = [];
    // Projection catches up after the last answer: wait until the usage counters match the stored calls.
    let usageDiff = '';
    for (const until = Date.now() + 60_000; ; await sleep(1_000)) {
      docs = await calls.find({ appId }, { projection: { messageId: 1, companyIds: 1, event: 1, day: 1 } }).toArray();
      const expected = new Map<string, number>();
      for (const doc of docs) {
        for (const company of doc.companyIds as string[]) {
          const key = `${company}|${doc.event as string}|${doc.day as string}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
      }
      const usage = await connection.collection(RAW_COLLECTIONS.usageDaily).find({ appId }).toArray();
      const counted = new Map(
        usage.map((u) => [`${u.companyId as string}|${u.event as string}|${u.day as string}`, u.count as number]),
      );
      const wrong = [...new Set([...expected.keys(), ...counted.keys()])].filter((k) => expected.get(k) !== counted.get(k));
      usageDiff = wrong
        .slice(0, 5)
        .map((k) => `${k}: stored ${expected.get(k) ?? 0}, counted ${counted.get(k) ?? 0}`)
        .join('; ');
      if (wrong.length === 0 || Date.now() > until) break;
    }
    for (const doc of docs) stored.set(doc.messageId as string, (stored.get(doc.messageId as string) ?? 0) + 1);
    const missing = [...outcomes].filter(([id, o]) => answered(o) && stored.get(id) !== 1).length;
    const leaked = [...outcomes, ...refused].filter(([id, o]) => neverStored(o) && stored.has(id)).length;
    const unknown = [...stored.keys()].filter((id) => !outcomes.has(id)).length;
    check(missing === 0, `every call answered 200 stored exactly once (${missing} not)`);
    check(leaked === 0, `no call answered only 4xx or 503 stored (${leaked} were)`);
    check(unknown === 0, `nothing stored that was not sent (${unknown})`);
    check(usageDiff === '', `daily usage counts equal the stored calls${usageDiff ? `: ${usageDiff}` : ''}`);
  } finally {
    await connection.close();
  }
}

/**
 * One signed webhook per export at `receiver`, accepted (2xx) exactly once, under one `webhook-id` (a redelivery
 * after a 500 repeats it).
 */
function checkWebhooks(what: string, expected: ExportRun[], receiver: WebhookReceiver, secret: string): void {
  const idsByJob = new Map<string, Set<string>>();
  const acceptedByJob = new Map<string, number>();
  let unsigned = 0;
  for (const request of receiver.requests) {
    let payload: Json;
    try {
      payload = new Webhook(secret).verify(request.body, request.headers) as Json;
    } catch {
      unsigned++;
      continue;
    }
    const job = (payload.data?.job_id ?? payload.data?.id) as string;
    if (!idsByJob.has(job)) idsByJob.set(job, new Set());
    idsByJob.get(job)?.add(request.headers['webhook-id'] as string);
    if (request.answered < 300) acceptedByJob.set(job, (acceptedByJob.get(job) ?? 0) + 1);
  }
  const missing = expected.filter((run) => !acceptedByJob.has(run.id)).map((run) => run.id);
  const twice = [...acceptedByJob].filter(([, n]) => n > 1).map(([job]) => job);
  const split = [...idsByJob].filter(([, ids]) => ids.size > 1).map(([job]) => job);
  const unexpected = [...idsByJob.keys()].filter((job) => !expected.some((run) => run.id === job));
  say(
    `  ${what}: ${receiver.requests.length} requests for ${expected.length} exports (${receiver.requests.length - idsByJob.size - unsigned} redeliveries)`,
  );
  check(unsigned === 0, `${what}: every request verifies with its secret (${unsigned} did not)`);
  check(
    missing.length === 0,
    `${what}: every export's webhook was accepted (${missing.length} missing${missing.length ? `: ${missing.slice(0, 5).join(', ')}` : ''})`,
  );
  check(twice.length === 0, `${what}: none accepted twice (${twice.length})`);
  check(
    split.length === 0,
    `${what}: each export's webhook kept one webhook-id across redeliveries (${split.length} under several)`,
  );
  check(unexpected.length === 0, `${what}: no webhook for an export not made (${unexpected.length})`);
}

/** Each Bulk API export's address, and the schedule's once per run, received exactly one email. */
function checkEmails(ended: ExportRun[], mailDir: string): void {
  const mails = readdirSync(mailDir)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => readFileSync(join(mailDir, name), 'utf8'));
  const emailed = ended.filter((run) => run.email);
  const wrongCount = emailed.filter((run) => mails.filter((raw) => raw.includes(run.email as string)).length !== 1);
  check(wrongCount.length === 0, `each of ${emailed.length} Bulk API exports emailed exactly once (${wrongCount.length} not)`);
  const scheduleMails = mails.filter((raw) => raw.includes('schedule@example.com')).length;
  const scheduleRuns = ended.filter((run) => run.api === 'schedule').length;
  check(scheduleMails === scheduleRuns, `one email per schedule run (${scheduleMails} emails for ${scheduleRuns} runs)`);
}

main().then(
  () => {
    say(failures.length === 0 ? '\nall checks held' : `\n${failures.length} check(s) failed`);
    process.exit(failures.length === 0 ? 0 : 1);
  },
  async (error: Error) => {
    say(`chaos run failed: ${error.stack ?? error.message}`);
    // A failed start-up leaves the servers started before it running: stop every process the run spawned.
    await stopAllProcesses();
    process.exit(1);
  },
);
