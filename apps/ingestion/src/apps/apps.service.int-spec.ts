import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { AppRepository } from './app.repository';
import { InvalidCredentials } from './apps.errors';
import { AppsService, IssuedKey } from './apps.service';

describe(AppsService.name, () => {
  let connection: Connection;
  let sut: AppsService;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('apps'), { autoIndex: false }).asPromise();
    const repository = new AppRepository(connection);
    await repository.onModuleInit();
    sut = new AppsService(repository, new SystemClock());
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  const authenticates = async (key: IssuedKey): Promise<boolean> => {
    try {
      return (await sut.authenticateApiKey(key.key)).keyId === key.id;
    } catch (error) {
      if (error instanceof InvalidCredentials) return false;
      throw error;
    }
  };

  it('keeps every created key and every revocation when creations, revocations and PATCHes of one app race', async () => {
    const { app } = await sut.createApp('Racing', 'pro');
    const existing = await Promise.all(Array.from({ length: 20 }, () => sut.createApiKey(app._id, ['exports:read'])));
    const names = Array.from({ length: 10 }, (_, i) => `Racing ${i}`);
    const plans = ['free', 'pro', 'enterprise'];

    const created: IssuedKey[] = [];
    const revoked: IssuedKey[] = [];
    const outcomes = await Promise.allSettled([
      // Revoke half of the existing keys while new keys are created, some of them revoked at once.
      ...existing.slice(0, 10).map(async (key) => {
        await sut.revokeApiKey(app._id, key.id);
        revoked.push(key);
      }),
      ...Array.from({ length: 30 }, async (_, i) => {
        const key = await sut.createApiKey(app._id, ['exports:read', 'exports:write']);
        if (i % 3 === 0) {
          await sut.revokeApiKey(app._id, key.id);
          revoked.push(key);
        } else {
          created.push(key);
        }
      }),
      ...names.map((name, i) => sut.updateApp(app._id, { name, plan: plans[i % plans.length] })),
    ]);

    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(revoked).toHaveLength(20);
    expect(created).toHaveLength(20);
    for (const key of revoked) expect([key.id, await authenticates(key)]).toEqual([key.id, false]);
    for (const key of [...created, ...existing.slice(10)]) expect([key.id, await authenticates(key)]).toEqual([key.id, true]);
    const stored = await sut.getApp(app._id);
    expect(names).toContain(stored.name);
    expect(plans).toContain(stored.plan);
  });
});
