import { ManualClock, SecretBox } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { Mailer, OutgoingEmail } from '../email/mailer';
import { OutboundHttp, PostOutcome } from '../outbound/outbound-http';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { DeliveryRepository } from './delivery.repository';
import { NotificationsService } from './notifications.service';
import { OutboxWorker } from './outbox.worker';

class FakeMailer extends Mailer {
  sent: OutgoingEmail[] = [];
  failWith: string | undefined;
  async send(email: OutgoingEmail): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.failWith) throw new Error(this.failWith);
    this.sent.push(email);
  }
}

class FakeHttp extends OutboundHttp {
  answers: PostOutcome[] = [];
  posts: { url: string; headers: Record<string, string>; body: string }[] = [];
  async post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    this.posts.push({ url, headers, body });
    return this.answers.shift() ?? { statusCode: 200 };
  }
}

describe(OutboxWorker.name, () => {
  let connection: Connection;
  let clock: ManualClock;
  let mailer: FakeMailer;
  let http: FakeHttp;
  let deliveries: DeliveryRepository;
  let endpoints: WebhookEndpointsService;
  let notifications: NotificationsService;
  const schedule = [1_000, 2_000];

  const worker = () => {
    const created = new OutboxWorker(
      deliveries,
      new WebhookEndpointRepository(connection),
      endpoints,
      mailer,
      http,
      clock,
      schedule,
      { pollIntervalMs: 1_000, concurrency: 4 },
    );
    created.jitter = () => 1;
    return created;
  };
  const run = async (sut: OutboxWorker) => {
    const started = await sut.poll();
    await sut.drain();
    return started;
  };
  const finished = (appId: string, jobId: string, emails: string[] = []) =>
    notifications.notifyExportFinished({
      appId,
      jobId,
      eventType: 'export.completed',
      emails,
      files: [],
      linksExpireAt: null,
      error: '',
      jobJson: '',
    });

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('outbox'), { autoIndex: false }).asPromise();
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

  beforeEach(() => {
    mailer = new FakeMailer();
    http = new FakeHttp();
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('retries on the schedule, then marks the delivery failed for good', async () => {
    mailer.failWith = 'connect ECONNREFUSED';
    const sut = worker();
    expect(await finished('app_a', 'job_retry', ['x@example.com'])).toBe(1);

    expect(await run(sut)).toBe(1);
    let [delivery] = await deliveries.listForJob('app_a', 'job_retry');
    expect(delivery).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: new Date(clock.now().getTime() + 1_000),
    });
    expect(await run(sut)).toBe(0);

    clock.advance(1_000);
    expect(await run(sut)).toBe(1);
    clock.advance(1_999);
    expect(await run(sut)).toBe(0);
    clock.advance(1);
    expect(await run(sut)).toBe(1);
    [delivery] = await deliveries.listForJob('app_a', 'job_retry');
    expect(delivery).toMatchObject({
      status: 'failed',
      attemptCount: 3,
      nextAttemptAt: null,
      lastError: 'SMTP: connect ECONNREFUSED',
    });
    expect(delivery?.attempts.map((a) => a.error)).toEqual(Array(3).fill('SMTP: connect ECONNREFUSED'));

    clock.advance(86_400_000);
    expect(await run(sut)).toBe(0);
    expect(mailer.sent).toEqual([]);
  });

  it('lets several workers share the outbox without sending anything twice', async () => {
    const emails = Array.from({ length: 12 }, (_, i) => `user${i}@example.com`);
    expect(await finished('app_b', 'job_many', emails)).toBe(12);
    const workers = [worker(), worker(), worker()];
    await Promise.all(workers.map((w) => run(w)));
    await Promise.all(workers.map((w) => run(w)));
    await Promise.all(workers.map((w) => run(w)));
    expect(mailer.sent.map((m) => m.to).sort()).toEqual([...emails].sort());
    const log = await deliveries.listForJob('app_b', 'job_many');
    expect(log).toHaveLength(12);
    expect(log.every((d) => d.status === 'delivered' && d.attemptCount === 1)).toBe(true);
  });

  it('is idempotent per (app, job, event type), even when endpoints change in between', async () => {
    expect(await finished('app_c', 'job_once', ['a@example.com'])).toBe(1);
    await endpoints.create('app_c', 'http://127.0.0.1:9/hook', ['export.completed']);
    expect(await finished('app_c', 'job_once', ['a@example.com', 'b@example.com'])).toBe(1);
    expect(await deliveries.listForJob('app_c', 'job_once')).toHaveLength(1);
    expect(await finished('app_c', 'job_twice', ['a@example.com'])).toBe(2);
    expect(await deliveries.listForJob('app_other', 'job_once')).toEqual([]);
    await run(worker());
  });

  it('honours Retry-After and stops at 410, disabling the endpoint', async () => {
    const { endpoint } = await endpoints.create('app_d', 'http://127.0.0.1:9/hook', ['export.completed']);
    http.answers = [{ statusCode: 503, retryAfter: '30' }, { statusCode: 410 }];
    expect(await finished('app_d', 'job_gone')).toBe(1);
    const sut = worker();
    await run(sut);
    const [waiting] = await deliveries.listForJob('app_d', 'job_gone');
    expect(waiting?.nextAttemptAt).toEqual(new Date(clock.now().getTime() + 30_000));
    clock.advance(30_000);
    await run(sut);
    const [gone] = await deliveries.listForJob('app_d', 'job_gone');
    expect(gone).toMatchObject({ status: 'failed', attemptCount: 2, lastStatusCode: 410 });
    expect((await endpoints.get('app_d', endpoint._id)).disabled).toBe(true);
    expect(http.posts[0]?.headers['webhook-id']).toBe(http.posts[1]?.headers['webhook-id']);
  });

  it('carries on a delivery written before attempt records, keeping its earlier attempts', async () => {
    const earlier = { at: new Date(clock.now().getTime() - 5_000), statusCode: null, error: 'SMTP: timeout', durationMs: 10 };
    await connection.collection('deliveries').insertOne({
      _id: 'msg_unversioned',
      appId: 'app_e',
      jobId: 'job_old',
      eventType: 'export.completed',
      channel: 'email',
      recipient: 'old@example.com',
      endpointId: null,
      status: 'pending',
      attempts: [earlier],
      attemptCount: 1,
      lastStatusCode: null,
      lastError: earlier.error,
      nextAttemptAt: clock.now(),
      leaseToken: null,
      deliveredAt: null,
      createdAt: earlier.at,
      email: { subject: 's', text: 't', html: '<p>t</p>' },
      webhookBody: null,
    } as never);
    expect(await run(worker())).toBe(1);
    const [delivery] = await deliveries.listForJob('app_e', 'job_old');
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 2 });
    expect(delivery?.attempts.map((a) => a.error)).toEqual(['SMTP: timeout', null]);
    expect(mailer.sent.map((m) => m.to)).toEqual(['old@example.com']);
  });
});
