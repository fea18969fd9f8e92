import { ManualClock, SecretBox } from '@exportd/runtime';
import { eventually, testMongoUrl, testServers } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { NodemailerMailer } from '../email/mailer';
import { NodeOutboundHttp } from '../outbound/outbound-http';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { DeliveryRepository } from './delivery.repository';
import { NotificationsService } from './notifications.service';
import { LEASE_MS, OutboxWorker } from './outbox.worker';

/** How a receiver answers one request: at once, or once `until` resolves. */
interface Answer {
  status: number;
  until?: Promise<void>;
}

/** A real HTTP receiver whose answers the test scripts and holds back. */
class ScriptedReceiver {
  readonly statuses: number[] = [];
  script: Answer[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const answer = this.script.shift() ?? { status: 200 };
      req.resume();
      req.on('end', () => {
        this.statuses.push(answer.status);
        void (answer.until ?? Promise.resolve()).then(() => res.writeHead(answer.status).end());
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open: (() => void) | undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open: () => open?.() };
}

/**
 * Two workers on one delivery at once: the first attempt outlives its lease (a slow receiver, a paused
 * process), so another worker takes the delivery over and tries it again while the first is still waiting.
 */
describe(`${OutboxWorker.name} when an attempt outlives its lease`, () => {
  let connection: Connection;
  let clock: ManualClock;
  let deliveries: DeliveryRepository;
  let endpoints: WebhookEndpointsService;
  let notifications: NotificationsService;
  let mailer: NodemailerMailer;
  const receiver = new ScriptedReceiver();
  const workers: OutboxWorker[] = [];

  const worker = () => {
    const created = new OutboxWorker(
      deliveries,
      new WebhookEndpointRepository(connection),
      endpoints,
      mailer,
      new NodeOutboundHttp({ allowPrivateNetworks: true }),
      clock,
      [1_000, 2_000],
      { pollIntervalMs: 1_000, concurrency: 4 },
    );
    created.jitter = () => 1;
    workers.push(created);
    return created;
  };
  const finished = (appId: string, jobId: string) =>
    notifications.notifyExportFinished({
      appId,
      jobId,
      eventType: 'export.completed',
      emails: [],
      files: [],
      linksExpireAt: null,
      error: '',
      jobJson: '',
    });

  /** The first worker's attempt is held by the receiver; the second takes over after the lease and is answered at once. */
  async function overlap(appId: string, first: Answer & { status: number }, second: number) {
    const held = gate();
    receiver.script = [{ status: first.status, until: held.opened }, { status: second }];
    const answered = receiver.statuses.length;
    const [a, b] = [worker(), worker()];
    expect(await a.poll()).toBe(1);
    await eventually(() => (receiver.statuses.length === answered + 1 ? true : undefined), 10_000, 'the first attempt');
    clock.advance(LEASE_MS + 1);
    expect(await b.poll()).toBe(1);
    await b.drain();
    held.open();
    await a.drain();
    return [a, b];
  }

  beforeAll(async () => {
    mailer = new NodemailerMailer(testServers().smtpUrl, 'Exports <exports@localhost>');
    await receiver.start();
  });

  // A database per test: the outbox is shared by every app, so a test must not see another's deliveries.
  beforeEach(async () => {
    connection = await mongoose.createConnection(testMongoUrl('outbox_lease'), { autoIndex: false }).asPromise();
    clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    deliveries = new DeliveryRepository(connection);
    const endpointRepository = new WebhookEndpointRepository(connection);
    await deliveries.onModuleInit();
    await endpointRepository.onModuleInit();
    endpoints = new WebhookEndpointsService(endpointRepository, clock, new SecretBox(randomBytes(32)), {
      allowPrivateNetworks: true,
    });
    notifications = new NotificationsService(deliveries, endpointRepository, clock);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.drain()));
    await connection?.dropDatabase();
    await connection?.close();
  });

  afterAll(async () => {
    mailer?.close();
    await receiver.stop();
  });

  it('logs both attempts, and a 2xx to either one delivers it: no further retry', async () => {
    await endpoints.create('app_slow', receiver.url, ['export.completed']);
    expect(await finished('app_slow', 'job_slow')).toBe(1);
    const [a, b] = await overlap('app_slow', { status: 200 }, 503);

    const [delivery] = await deliveries.listForJob('app_slow', 'job_slow');
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 2, nextAttemptAt: null });
    expect(delivery?.attempts.map((x) => x.statusCode)).toEqual([200, 503]);

    const sent = receiver.statuses.length;
    clock.advance(60_000);
    for (const w of [a, b, a, b]) {
      await w.poll();
      await w.drain();
    }
    expect(receiver.statuses).toHaveLength(sent);
    expect((await deliveries.listForJob('app_slow', 'job_slow'))[0]).toMatchObject({ status: 'delivered', attemptCount: 2 });
  });

  it('a 410 racing a retry ends the delivery failed for good and the endpoint disabled', async () => {
    const { endpoint } = await endpoints.create('app_gone', receiver.url, ['export.completed']);
    expect(await finished('app_gone', 'job_gone')).toBe(1);
    const [a, b] = await overlap('app_gone', { status: 410 }, 503);

    const [delivery] = await deliveries.listForJob('app_gone', 'job_gone');
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 2, nextAttemptAt: null, lastStatusCode: 410 });
    expect(delivery?.attempts.map((x) => x.statusCode)).toEqual([410, 503]);
    expect(await endpoints.get('app_gone', endpoint._id)).toMatchObject({ disabled: true });

    const sent = receiver.statuses.length;
    clock.advance(60_000);
    for (const w of [a, b, a, b]) {
      await w.poll();
      await w.drain();
    }
    expect(receiver.statuses).toHaveLength(sent);
    expect((await deliveries.listForJob('app_gone', 'job_gone'))[0]).toMatchObject({
      status: 'failed',
      attemptCount: 2,
      lastStatusCode: 410,
    });
  });
});
