import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { AppRepository } from '../apps/app.repository';
import { AppsService } from '../apps/apps.service';
import { RetentionPolicyRepository } from './retention-policy.repository';
import { RetentionSweepRepository } from './retention-sweep.repository';
import { RetentionService } from './retention.service';

describe(RetentionService.name, () => {
  let connection: Connection;
  let apps: AppsService;
  let sut: RetentionService;
  const clock = new ManualClock(new Date('2026-12-02T10:00:00Z'));

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('retention')).asPromise();
    const appRepository = new AppRepository(connection);
    await appRepository.onModuleInit();
    apps = new AppsService(appRepository, clock);
    sut = new RetentionService(new RetentionPolicyRepository(connection), new RetentionSweepRepository(connection), apps, clock);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  const newApp = async () => (await apps.createApp('Retention', 'pro')).app._id;
  const valid = { rawEventsDays: 30, aggregatesDays: 365, exportFilesDays: 14 };

  it('answers the defaults until a policy is stored, then the stored policy', async () => {
    const appId = await newApp();
    const nothingSwept = { rawEventsDeletedBefore: '', aggregatesDeletedBefore: '' };
    expect(await sut.getRetention(appId)).toEqual({
      policy: { rawEventsDays: 90, aggregatesDays: 730, exportFilesDays: 7 },
      isDefault: true,
      ...nothingSwept,
    });
    expect(await sut.putRetention(appId, valid)).toEqual({ policy: valid, isDefault: false, updatedAt: clock.now() });
    expect(await sut.getRetention(appId)).toEqual({ policy: valid, isDefault: false, updatedAt: clock.now(), ...nothingSwept });
  });

  it.each([
    [{ rawEventsDays: 0 }, 'rawEventsDays must be an integer from 1 to 3650'],
    [{ rawEventsDays: 3651 }, 'rawEventsDays must be an integer from 1 to 3650'],
    [{ rawEventsDays: 1.5 }, 'rawEventsDays must be an integer from 1 to 3650'],
    [{ aggregatesDays: 0 }, 'aggregatesDays must be an integer from 1 to 3650'],
    [{ aggregatesDays: 3651 }, 'aggregatesDays must be an integer from 1 to 3650'],
    [{ exportFilesDays: 0 }, 'exportFilesDays must be an integer from 1 to 365'],
    [{ exportFilesDays: 366 }, 'exportFilesDays must be an integer from 1 to 365'],
    [
      { rawEventsDays: -1, exportFilesDays: 400 },
      'rawEventsDays must be an integer from 1 to 3650; exportFilesDays must be an integer from 1 to 365',
    ],
  ])('refuses %j: %s', async (change, message) => {
    const appId = await newApp();
    await expect(sut.putRetention(appId, { ...valid, ...change })).rejects.toMatchObject({
      kind: 'invalid',
      code: 'invalid_retention_policy',
      message,
    });
    expect((await sut.getRetention(appId)).isDefault).toBe(true);
  });

  it('accepts the bounds themselves', async () => {
    const appId = await newApp();
    const lowest = { rawEventsDays: 1, aggregatesDays: 1, exportFilesDays: 1 };
    const highest = { rawEventsDays: 3650, aggregatesDays: 3650, exportFilesDays: 365 };
    expect((await sut.putRetention(appId, lowest)).policy).toEqual(lowest);
    expect((await sut.putRetention(appId, highest)).policy).toEqual(highest);
  });

  it('refuses a missing policy, and answers an unknown app as not found', async () => {
    await expect(sut.putRetention(await newApp(), undefined)).rejects.toMatchObject({ message: 'policy is required' });
    await expect(sut.getRetention('app_missing')).rejects.toMatchObject({ code: 'app_not_found' });
    await expect(sut.putRetention('app_missing', valid)).rejects.toMatchObject({ code: 'app_not_found' });
  });

  it('concurrent PUTs leave one whole policy of those sent, never a mix', async () => {
    const appId = await newApp();
    const sent = Array.from({ length: 12 }, (_, i) => ({
      rawEventsDays: 10 + i,
      aggregatesDays: 100 + i,
      exportFilesDays: 1 + i,
    }));
    const outcomes = await Promise.allSettled(sent.map((policy) => sut.putRetention(appId, policy)));
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const stored = (await sut.getRetention(appId)).policy;
    expect(sent).toContainEqual(stored);
  });
});
