import { SecretBox, SystemClock } from '@exportd/runtime';
import { CustomerS3, startCustomerS3, testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DestinationRepository } from './destination.repository';
import { DestinationStorage, DestinationTarget, S3DestinationStorage, UploadBody } from './destination-storage';
import { DestinationWriter } from './destination-writer';
import { DestinationInvalid, DestinationWriteFailed } from './destinations.errors';
import { DestinationInput, DestinationsService } from './destinations.service';

/** The real storage, recording what it checked, with a gate that holds each check until the test opens it (to order a race). */
class GatedStorage extends DestinationStorage {
  private open: () => void = () => undefined;
  private gate = Promise.resolve();
  entered = Promise.resolve();
  private enter: () => void = () => undefined;
  readonly checked: string[] = [];

  constructor(private readonly inner: DestinationStorage) {
    super();
  }

  close(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
    this.entered = new Promise((resolve) => (this.enter = resolve));
  }

  release(): void {
    this.open();
  }

  async probe(target: DestinationTarget): Promise<void> {
    this.checked.push(`${target.bucket}/${target.key}`);
    this.enter();
    await this.gate;
    return this.inner.probe(target);
  }

  upload(
    target: DestinationTarget,
    objectKey: string,
    body: UploadBody,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.inner.upload(target, objectKey, body, contentType, signal);
  }
}

/** The reason a call was refused with, or 'ok'. */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof DestinationInvalid || error instanceof DestinationWriteFailed) return error.reason;
    throw error;
  }
}

describe(DestinationsService.name, () => {
  let connection: Connection;
  let customer: CustomerS3;
  let bucket: string;
  let secrets: SecretBox;
  let sut: DestinationsService;
  let writer: DestinationWriter;
  let strictSut: DestinationsService;
  let strictWriter: DestinationWriter;
  let gated: GatedStorage;
  let gatedSut: DestinationsService;

  beforeAll(async () => {
    customer = await startCustomerS3();
    bucket = await customer.createBucket();
    connection = await mongoose.createConnection(testMongoUrl('destinations'), { autoIndex: false }).asPromise();
    const repository = new DestinationRepository(connection);
    await repository.onModuleInit();
    secrets = new SecretBox(randomBytes(32));
    const open = { allowPrivateNetworks: true };
    const strict = { allowPrivateNetworks: false };
    // A short connect timeout keeps the unreachable cases quick.
    const timeouts = { connectMs: 2_000, writeIdleMs: 5_000 };
    sut = new DestinationsService(repository, new S3DestinationStorage(open, timeouts), secrets, new SystemClock(), open);
    writer = new DestinationWriter(new S3DestinationStorage(open, timeouts), secrets);
    strictSut = new DestinationsService(
      repository,
      new S3DestinationStorage(strict, timeouts),
      secrets,
      new SystemClock(),
      strict,
    );
    strictWriter = new DestinationWriter(new S3DestinationStorage(strict, timeouts), secrets);
    gated = new GatedStorage(new S3DestinationStorage(open, timeouts));
    gatedSut = new DestinationsService(repository, gated, secrets, new SystemClock(), open);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
    await customer?.stop();
  });

  const good = (): DestinationInput => ({
    provider: 'custom',
    endpoint: customer.endpoint,
    bucket,
    key: '/exports/daily/',
    accessKeyId: customer.accessKeyId,
    secretAccessKey: customer.secretAccessKey,
  });

  it("classifies the real server's refusals", async () => {
    expect(await outcomeOf(sut.prepare({ ...good(), secretAccessKey: 'wrong-secret' }))).toBe('signature_mismatch');
    expect(await outcomeOf(sut.prepare({ ...good(), accessKeyId: 'AKIAUNKNOWN' }))).toBe('invalid_access_key');
    expect(await outcomeOf(sut.prepare({ ...good(), bucket: 'no-such-bucket-here' }))).toBe('no_such_bucket');
    expect(await outcomeOf(sut.prepare({ ...good(), endpoint: 'http://127.0.0.1:9' }))).toBe('unreachable');
    expect(await outcomeOf(sut.prepare({ ...good(), endpoint: 'http://no-such-host.invalid' }))).toBe('unreachable');
    expect(await outcomeOf(sut.prepare(good()))).toBe('ok');
  });

  it('never puts the secret in a message', async () => {
    const secretAccessKey = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const refused = await sut.prepare({ ...good(), secretAccessKey }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(DestinationInvalid);
    expect(
      JSON.stringify({ message: (refused as Error).message, details: (refused as DestinationInvalid).details }),
    ).not.toContain(secretAccessKey);
  });

  it('refuses private and metadata addresses where private networks are not allowed, before any request', async () => {
    const https = (host: string) => ({ ...good(), endpoint: `https://${host}` });
    expect(await outcomeOf(strictSut.prepare(https(`127.0.0.1:${new URL(customer.endpoint).port}`)))).toBe('forbidden_address');
    expect(await outcomeOf(strictSut.prepare(https(`localhost:${new URL(customer.endpoint).port}`)))).toBe('forbidden_address');
    expect(await outcomeOf(strictSut.prepare(https('10.0.0.8')))).toBe('forbidden_address');
    expect(await outcomeOf(strictSut.prepare(https('metadata.google.internal')))).toBe('forbidden_address');
    expect(await outcomeOf(strictSut.prepare(good()))).toBe('invalid_url');
    const message = await strictSut.prepare(https('localhost')).catch((error: Error) => error.message);
    expect(message).toMatch(
      /host localhost resolves to \S+, which is a loopback address: storage must be reachable on a public address/,
    );
  });

  it('refuses cloud metadata addresses even where private networks are allowed', async () => {
    expect(await outcomeOf(sut.prepare({ ...good(), endpoint: 'http://169.254.169.254' }))).toBe('forbidden_address');
    expect(await outcomeOf(sut.prepare({ ...good(), endpoint: 'http://[fd00:ec2::254]' }))).toBe('forbidden_address');
  });

  it('stores the secret sealed, reads it back for a check, and scopes every read by app', async () => {
    const created = await sut.create('app_a', good());
    expect(created).toMatchObject({
      name: `${bucket}/exports/daily`,
      key: 'exports/daily',
      lastCheck: { ok: true, reason: null },
    });
    const raw = await connection.collection('destinations').findOne({ _id: created.id as never });
    expect(raw?.secret).toEqual(expect.stringMatching(/^v1\./));
    expect(JSON.stringify(raw)).not.toContain(customer.secretAccessKey);
    expect(secrets.open(raw?.secret as string)).toBe(customer.secretAccessKey);

    expect((await sut.check('app_a', created.id)).lastCheck.ok).toBe(true);
    await expect(sut.get('app_b', created.id)).rejects.toMatchObject({ code: 'destination_not_found' });
    await expect(sut.find('app_b', created.id)).rejects.toMatchObject({ code: 'destination_not_found' });
    expect(await sut.list('app_b')).toEqual([]);
  });

  it('a PATCH checks the merged destination and saves nothing when it fails', async () => {
    const created = await sut.create('app_patch', { ...good(), name: 'Daily' });
    expect(await outcomeOf(sut.update('app_patch', created.id, { bucket: 'no-such-bucket-here' }))).toBe('no_such_bucket');
    expect(await sut.get('app_patch', created.id)).toEqual(created);
    const other = await customer.createBucket('other');
    const moved = await sut.update('app_patch', created.id, { bucket: other, key: '' });
    expect(moved).toMatchObject({ name: 'Daily', bucket: other, key: '', endpoint: customer.endpoint });
    // The secret was kept: the moved destination still checks.
    expect((await sut.check('app_patch', created.id)).lastCheck.ok).toBe(true);
  });

  it('a failed check is recorded as the last check', async () => {
    const created = await sut.create('app_check', good());
    await connection.collection('destinations').updateOne({ _id: created.id as never }, { $set: { bucket: 'gone-bucket-x' } });
    expect(await outcomeOf(sut.check('app_check', created.id))).toBe('no_such_bucket');
    const after = await sut.get('app_check', created.id);
    expect(after.lastCheck).toMatchObject({
      ok: false,
      reason: 'no_such_bucket',
      message: expect.stringContaining('gone-bucket-x') as string,
    });
    expect(after.lastCheck.at.getTime()).toBeGreaterThan(created.lastCheck.at.getTime() - 1);
  });

  it('refuses to delete a destination an export schedule delivers to, naming the schedule', async () => {
    const created = await sut.create('app_del', good());
    await connection
      .collection('export_schedules')
      .insertOne({ _id: 'sch_1' as never, appId: 'app_del', delivery: { destinationId: created.id } });
    // Another app's schedule with the same id does not count.
    const free = await sut.create('app_del', good());
    await connection
      .collection('export_schedules')
      .insertOne({ _id: 'sch_2' as never, appId: 'app_x', delivery: { destinationId: free.id } });
    await expect(sut.delete('app_del', created.id)).rejects.toMatchObject({
      code: 'destination_in_use',
      details: { scheduleIds: ['sch_1'] },
    });
    await sut.delete('app_del', free.id);
    await expect(sut.get('app_del', free.id)).rejects.toMatchObject({ code: 'destination_not_found' });
  });

  describe('under concurrency', () => {
    const ROUNDS = 8;

    it('concurrent PATCHes leave one whole destination of those checked, never a mix', async () => {
      const moved = await customer.createBucket('moved');
      for (let round = 0; round < ROUNDS; round++) {
        const { id } = await sut.create('app_race', good());
        gated.checked.splice(0);
        await Promise.all([
          gatedSut.update('app_race', id, { bucket: moved, key: 'k1' }),
          gatedSut.update('app_race', id, { key: 'k2' }),
        ]);
        const stored = await sut.get('app_race', id);
        expect(gated.checked).toContain(`${stored.bucket}/${stored.key}`);
      }
    });

    it('a check that read the destination before a PATCH does not record its outcome over the PATCH', async () => {
      const created = await sut.create('app_race', good());
      await connection.collection('destinations').updateOne({ _id: created.id as never }, { $set: { bucket: 'gone-bucket-y' } });
      gated.close();
      const checking = outcomeOf(gatedSut.check('app_race', created.id));
      await gated.entered;
      const patched = await sut.update('app_race', created.id, { bucket });
      gated.release();
      // The check is about the destination it read (whose bucket is gone); the PATCH's own check stays recorded.
      expect(await checking).toBe('no_such_bucket');
      expect(await sut.get('app_race', created.id)).toEqual(patched);
      expect(patched.lastCheck.ok).toBe(true);
    });
  });

  describe(DestinationWriter.name, () => {
    it('writes under the prefix, streaming a large body in parts', async () => {
      const sealed = await sut.prepare(good());
      await writer.put(sealed, 'small.csv', 'a,b\n1,2\n', 'text/csv');
      const large = randomBytes(12 * 1024 * 1024);
      await writer.put(
        sealed,
        '/sch_1/2024-01-01/large.bin',
        Readable.from([large.subarray(0, 7_000_000), large.subarray(7_000_000)]),
        'application/octet-stream',
      );
      expect(await customer.readObject(bucket, 'exports/daily/small.csv')).toEqual(Buffer.from('a,b\n1,2\n'));
      expect((await customer.readObject(bucket, 'exports/daily/sch_1/2024-01-01/large.bin'))?.equals(large)).toBe(true);
    });

    it("fails with the check's reason and the storage's answer", async () => {
      const sealed = await sut.prepare(good());
      const wrongSecret = { ...sealed, sealedSecret: secrets.seal('wrong-secret') };
      const failed = await writer.put(wrongSecret, 'x.csv', 'x', 'text/csv').catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(DestinationWriteFailed);
      expect(failed).toMatchObject({
        reason: 'signature_mismatch',
        storageMessage: expect.stringContaining('SignatureDoesNotMatch') as string,
      });
      expect(await outcomeOf(strictWriter.put(sealed, 'x.csv', 'x', 'text/csv'))).toBe('forbidden_address');
    });

    it('fails as unreachable while the storage is down, and writes again once it is back', async () => {
      const sealed = await sut.prepare(good());
      await customer.stop();
      try {
        expect(await outcomeOf(writer.put(sealed, 'down.csv', 'x', 'text/csv'))).toBe('unreachable');
      } finally {
        await customer.start();
      }
      await writer.put(sealed, 'down.csv', 'x', 'text/csv');
      expect(await customer.readObject(bucket, 'exports/daily/down.csv')).toEqual(Buffer.from('x'));
    });
  });
});
