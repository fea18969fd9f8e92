import { notifications } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import {
  eventually,
  freePort,
  messagesFor,
  serviceArgs,
  REPO_ROOT,
  startWebhookReceiver,
  testMongoUrl,
  testServers,
  uniqueName,
  WebhookReceiver,
} from '@exportd/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

type NotifyClient = GrpcClient<typeof notifications.NotificationsServiceService>;
type EndpointsClient = GrpcClient<typeof notifications.WebhookEndpointsServiceService>;

const PROCESSES = 3;
const JOBS = 6;
const EMAILS_PER_JOB = 6;

/** One notification process of this test, on a port of its own, sharing the database with the others. */
interface NotificationProcess {
  address: string;
  child: ChildProcess;
  exited: Promise<void>;
}

async function listening(port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (child.exitCode !== null) throw new Error(`notification exited with ${child.exitCode} before listening`);
    if (Date.now() > deadline) throw new Error(`notification does not listen on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startNotification(env: NodeJS.ProcessEnv, logDir: string, index: number): Promise<NotificationProcess> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, serviceArgs('notification'), {
    cwd: REPO_ROOT,
    env: { ...env, NOTIFICATION_GRPC_ADDR: address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logDir, `notification-${index}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await listening(port, child);
  return { address, child, exited };
}

async function stopNotification(proc: NotificationProcess): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const killer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(killer);
}

/** Three notification processes working one outbox: every email and every webhook is sent once. */
describe('the outbox shared by several notification processes', () => {
  const procs: NotificationProcess[] = [];
  const notify: NotifyClient[] = [];
  let endpointsClient: EndpointsClient;
  const receivers: WebhookReceiver[] = [];
  const run = randomBytes(4).toString('hex');

  beforeAll(async () => {
    const servers = testServers();
    const internalToken = randomBytes(16).toString('hex');
    const logDir = join(servers.tmpDir, 'logs', uniqueName('outbox'));
    mkdirSync(logDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      INTERNAL_TOKEN: internalToken,
      MONGO_URL: testMongoUrl('outbox_e2e'),
      SMTP_URL: servers.smtpUrl,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      DELIVERY_RETRY_SCHEDULE: '1s,1s,1s',
      DELIVERY_POLL_INTERVAL_MS: '50',
    };
    procs.push(...(await Promise.all(Array.from({ length: PROCESSES }, (_, i) => startNotification(env, logDir, i)))));
    for (const proc of procs) {
      notify.push(
        createGrpcClient(notifications.NotificationsServiceService, { address: proc.address, internalToken, waitForReady: true }),
      );
    }
    endpointsClient = createGrpcClient(notifications.WebhookEndpointsServiceService, {
      address: procs[0]?.address as string,
      internalToken,
      waitForReady: true,
    });
  });

  afterAll(async () => {
    for (const client of notify) client.close();
    endpointsClient?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await Promise.all(procs.map(stopNotification));
  });

  it('sends every email and every webhook once, whichever process claims it, even when notified by all at once', async () => {
    const appId = `app_${run}`;
    // One receiver fails its first two requests, so retries also travel between processes.
    receivers.push(await startWebhookReceiver([{ status: 500 }, { status: 503 }, { status: 200 }]));
    receivers.push(await startWebhookReceiver([{ status: 204 }]));
    receivers.push(await startWebhookReceiver([{ status: 200 }]));
    for (const receiver of receivers) {
      await endpointsClient.createWebhookEndpoint({ appId, url: receiver.url, eventTypes: ['export.completed'] });
    }
    const jobs = Array.from({ length: JOBS }, (_, i) => `job_${run}_${i}`);
    const emailsOf = (job: string) => Array.from({ length: EMAILS_PER_JOB }, (_, i) => `user${i}-${job}@example.com`);
    const request = (job: string) => ({
      appId,
      jobId: job,
      eventType: 'export.completed',
      emails: emailsOf(job),
      files: [],
      linksExpireAt: new Date(Date.now() + 86_400_000),
      error: '',
      jobJson: JSON.stringify({ id: job, status: 'completed' }),
    });

    // Each job is notified by every process at the same moment (export-job retries its call until it succeeds).
    const answers = await Promise.all(jobs.flatMap((job) => notify.map((client) => client.notifyExportFinished(request(job)))));
    expect(new Set(answers.map((a) => a.deliveries))).toEqual(new Set([EMAILS_PER_JOB + receivers.length]));

    const logs = await eventually(
      async () => {
        const found = await Promise.all(jobs.map((jobId) => notify[0]?.listDeliveries({ appId, jobId, endpointId: '' })));
        const all = found.flatMap((f) => f?.deliveries ?? []);
        return all.length === jobs.length * (EMAILS_PER_JOB + receivers.length) && all.every((d) => d.status === 'delivered')
          ? all
          : undefined;
      },
      45_000,
      'every delivery delivered',
    );

    for (const job of jobs)
      for (const address of emailsOf(job)) expect([address, messagesFor(address).length]).toEqual([address, 1]);
    for (const receiver of receivers) {
      const succeeded = receiver.requests.filter((r) => r.answered < 300).map((r) => r.headers['webhook-id']);
      expect(succeeded.sort()).toEqual([...new Set(succeeded)].sort());
      expect(succeeded).toHaveLength(JOBS);
    }
    expect(receivers[0]?.requests).toHaveLength(JOBS + 2);
    const attempts = logs.map((d) => d.attempts).sort((a, b) => a - b);
    expect(attempts).toEqual([...Array(logs.length - 2).fill(1), 2, 2]);
    for (const delivery of logs) expect(delivery.attemptLog).toHaveLength(delivery.attempts);
  });
});
