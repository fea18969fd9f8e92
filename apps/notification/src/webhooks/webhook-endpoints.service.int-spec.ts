import { SecretBox, SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEndpointNotFound } from './webhook-endpoints.errors';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const EVENTS = ['export.completed', 'export.failed'];
const ROUNDS = 10;

describe(WebhookEndpointsService.name, () => {
  let connection: Connection;
  let repository: WebhookEndpointRepository;
  let sut: WebhookEndpointsService;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('endpoints'), { autoIndex: false }).asPromise();
    repository = new WebhookEndpointRepository(connection);
    await repository.onModuleInit();
    sut = new WebhookEndpointsService(repository, new SystemClock(), new SecretBox(randomBytes(32)), {
      allowPrivateNetworks: true,
    });
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  const url = (name: string) => `http://127.0.0.1:9/${name}`;

  it('a 410 that disables an endpoint and a concurrent PATCH of the user both take effect', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { endpoint } = await sut.create('app_gone', url(`gone-${round}`), EVENTS);
      await Promise.all([
        sut.disableGone('app_gone', endpoint._id, endpoint.url, `410 in round ${round}`),
        sut.update('app_gone', endpoint._id, { eventTypes: ['export.failed'] }),
      ]);
      const stored = await sut.get('app_gone', endpoint._id);
      expect([round, stored.disabled, stored.disabledReason, stored.eventTypes]).toEqual([
        round,
        true,
        `410 in round ${round}`,
        ['export.failed'],
      ]);
    }
  });

  it('a 410 from the URL the user has just replaced does not disable the new URL', async () => {
    const { endpoint } = await sut.create('app_moved', url('old'), EVENTS);
    await sut.update('app_moved', endpoint._id, { url: url('new') });
    await sut.disableGone('app_moved', endpoint._id, url('old'), 'the old URL answered 410');
    expect(await sut.get('app_moved', endpoint._id)).toMatchObject({ url: url('new'), disabled: false });
  });

  it('concurrent rotations chain: the stored secret and the previous one are the last two handed out', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { endpoint, secret: original } = await sut.create('app_rotate', url(`rotate-${round}`), EVENTS);
      const [rotations] = await Promise.all([
        Promise.all(Array.from({ length: 4 }, () => sut.rotateSecret('app_rotate', endpoint._id))),
        sut.update('app_rotate', endpoint._id, { url: url(`rotated-${round}`) }),
      ]);
      const handedOut = rotations.map((r) => r.secret);
      const [current, previous, ...rest] = sut.signingSecrets(await sut.get('app_rotate', endpoint._id));
      expect(rest).toEqual([]);
      expect(handedOut).toContain(current);
      expect(handedOut).toContain(previous);
      expect(previous).not.toBe(current);
      expect(handedOut).not.toContain(original);
      expect((await sut.get('app_rotate', endpoint._id)).url).toBe(url(`rotated-${round}`));
    }
  });

  it('a deleted endpoint stays deleted whatever changes raced the deletion', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { endpoint } = await sut.create('app_delete', url(`delete-${round}`), EVENTS);
      const outcomes = await Promise.allSettled([
        sut.update('app_delete', endpoint._id, { eventTypes: ['export.failed'] }),
        sut.rotateSecret('app_delete', endpoint._id),
        sut.disableGone('app_delete', endpoint._id, endpoint.url, 'gone'),
        sut.delete('app_delete', endpoint._id),
      ]);
      expect(outcomes[3]).toEqual({ status: 'fulfilled', value: undefined });
      for (const outcome of outcomes.filter((o) => o.status === 'rejected'))
        expect(outcome.reason).toBeInstanceOf(WebhookEndpointNotFound);
      await expect(sut.get('app_delete', endpoint._id)).rejects.toBeInstanceOf(WebhookEndpointNotFound);
    }
    expect(await sut.list('app_delete')).toEqual([]);
  });

  it("a schedule's endpoint is found only with its schedule id, and keeps it through every change", async () => {
    const { endpoint } = await sut.create('app_sched', url('scheduled'), [], 'sch_1');
    const { endpoint: own } = await sut.create('app_sched', url('own'), EVENTS);
    expect(endpoint).toMatchObject({ scheduleId: 'sch_1', eventTypes: ['export.completed', 'export.failed'] });
    await expect(sut.create('app_sched', url('no-events'), [])).rejects.toMatchObject({ code: 'invalid_request' });

    for (const owner of ['', 'sch_2']) {
      await expect(sut.get('app_sched', endpoint._id, owner)).rejects.toBeInstanceOf(WebhookEndpointNotFound);
      await expect(sut.update('app_sched', endpoint._id, { disabled: true }, owner)).rejects.toBeInstanceOf(
        WebhookEndpointNotFound,
      );
      await expect(sut.rotateSecret('app_sched', endpoint._id, owner)).rejects.toBeInstanceOf(WebhookEndpointNotFound);
      await expect(sut.delete('app_sched', endpoint._id, owner)).rejects.toBeInstanceOf(WebhookEndpointNotFound);
    }
    await expect(sut.get('app_sched', own._id, 'sch_1')).rejects.toBeInstanceOf(WebhookEndpointNotFound);
    expect((await sut.list('app_sched')).map((e) => e._id)).toEqual([own._id]);
    expect((await sut.list('app_sched', 'sch_1')).map((e) => e._id)).toEqual([endpoint._id]);

    await sut.update('app_sched', endpoint._id, { url: url('moved') }, 'sch_1');
    await sut.rotateSecret('app_sched', endpoint._id, 'sch_1');
    await sut.disableGone('app_sched', endpoint._id, url('moved'), 'gone');
    expect(await sut.get('app_sched', endpoint._id, 'sch_1')).toMatchObject({
      scheduleId: 'sch_1',
      url: url('moved'),
      disabled: true,
    });
    expect((await sut.list('app_sched')).map((e) => e._id)).toEqual([own._id]);
    await sut.delete('app_sched', endpoint._id, 'sch_1');
    expect(await sut.list('app_sched', 'sch_1')).toEqual([]);
  });

  it('adopts an endpoint stored before versions once: later changes and its deletion are never undone', async () => {
    const { endpoint } = await sut.create('app_old', url('old-style'), EVENTS);
    const { _id, ...rest } = endpoint;
    await connection.collection('webhook_endpoints').insertOne({ ...rest, _id: 'whk_unversioned' } as never);
    await repository.onModuleInit();
    expect(await sut.get('app_old', 'whk_unversioned')).toMatchObject({ url: url('old-style'), eventTypes: EVENTS });

    await sut.update('app_old', 'whk_unversioned', { eventTypes: ['export.failed'] });
    await repository.onModuleInit();
    expect((await sut.get('app_old', 'whk_unversioned')).eventTypes).toEqual(['export.failed']);
    await sut.delete('app_old', 'whk_unversioned');
    await repository.onModuleInit();
    await expect(sut.get('app_old', 'whk_unversioned')).rejects.toBeInstanceOf(WebhookEndpointNotFound);
    expect((await sut.list('app_old')).map((e) => e._id)).toEqual([_id]);
  });

  it('serves versions stored before they said whether they are superseded, and strips the old stubs on a change', async () => {
    const versions = connection.collection<{ _id: string }>('webhook_endpoint_versions');
    const { endpoint: rotated } = await sut.create('app_unmarked', url('rotated'), EVENTS);
    await sut.rotateSecret('app_unmarked', rotated._id);
    const { endpoint: plain } = await sut.create('app_unmarked', url('plain'), EVENTS);
    // As stored before: the newest versions without `superseded`, the stub still with its endpointId.
    await versions.updateMany({ appId: 'app_unmarked', superseded: false }, { $unset: { superseded: '' } });
    await versions.updateOne({ _id: `${rotated._id}@1` }, { $set: { endpointId: rotated._id } });
    await repository.onModuleInit();

    expect((await sut.list('app_unmarked')).map((e) => e._id).sort()).toEqual([rotated._id, plain._id].sort());
    expect(sut.signingSecrets(await sut.get('app_unmarked', rotated._id))).toHaveLength(2);
    await sut.update('app_unmarked', rotated._id, { url: url('moved') });
    expect(await sut.get('app_unmarked', rotated._id)).toMatchObject({ url: url('moved'), eventTypes: EVENTS });
    expect(
      await versions
        .find({ _id: { $in: [`${rotated._id}@1`, `${rotated._id}@2`] } })
        .sort({ _id: 1 })
        .toArray(),
    ).toEqual([
      { _id: `${rotated._id}@1`, appId: 'app_unmarked', version: 1, superseded: true },
      { _id: `${rotated._id}@2`, appId: 'app_unmarked', version: 2, superseded: true },
    ]);
    expect(await sut.get('app_unmarked', plain._id)).toMatchObject({ url: url('plain') });
  });
});
