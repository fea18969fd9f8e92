import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { ExclusionsRepository } from './exclusions.repository';
import { ExclusionsService } from './exclusions.service';

const ROUNDS = 10;

describe(ExclusionsService.name, () => {
  let connection: Connection;
  let exclusions: ExclusionsService;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('exclusions'), { autoIndex: false }).asPromise();
    const repository = new ExclusionsRepository(connection);
    await repository.onModuleInit();
    exclusions = new ExclusionsService(repository, new SystemClock());
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('concurrent PUTs of the exclusion list leave one of the lists sent, never a mix', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const lists = [0, 1, 2, 3].map((i) => ({ userIds: [`u${i}a`, `u${i}b`], companyIds: [`c${i}`] }));
      await Promise.all(lists.map((list) => exclusions.put('app_e', list)));
      const stored = await exclusions.get('app_e');
      expect(lists).toContainEqual(stored);
    }
  });

  it('erasing a user while PUTs race never undoes a PUT: the list is one of those sent, or one sent without the id', async () => {
    for (let round = 0; round < ROUNDS * 3; round++) {
      const appId = `app_race_${round}`;
      await exclusions.put(appId, { userIds: ['ada', 'before'], companyIds: ['c0'] });
      const withAda = { userIds: ['ada', `a${round}`], companyIds: ['c1'] };
      const without = { userIds: [`b${round}`], companyIds: ['c2'] };
      await Promise.all([exclusions.eraseUser(appId, 'ada'), exclusions.put(appId, withAda), exclusions.put(appId, without)]);
      // Never `before` (a PUT lost to the erasure), never the initial list (the erasure lost), never a mix.
      expect([withAda, without, { userIds: [`a${round}`], companyIds: ['c1'] }]).toContainEqual(await exclusions.get(appId));
    }
  });

  it('reads single-value records of the earlier shape with the list, and a PUT supersedes them', async () => {
    await connection.collection('exclusions').insertMany([
      { _id: 'app_l|user|old_u', appId: 'app_l', kind: 'user', value: 'old_u', createdAt: new Date() },
      { _id: 'app_l|company|old_c', appId: 'app_l', kind: 'company', value: 'old_c', createdAt: new Date() },
    ] as never[]);
    expect(await exclusions.get('app_l')).toEqual({ userIds: ['old_u'], companyIds: ['old_c'] });
    await exclusions.put('app_l', { userIds: ['new_u'], companyIds: [] });
    expect(await exclusions.get('app_l')).toEqual({ userIds: ['new_u'], companyIds: [] });
  });

  it('reads the unversioned list of the earlier shape; the next write supersedes it', async () => {
    await connection
      .collection('exclusions')
      .insertOne({ _id: 'app_v0|list', appId: 'app_v0', kind: 'list', userIds: ['ada', 'bob'], companyIds: ['c1'] } as never);
    expect(await exclusions.get('app_v0')).toEqual({ userIds: ['ada', 'bob'], companyIds: ['c1'] });
    expect(await exclusions.userCount('app_v0', 'ada')).toBe(1);
    await exclusions.eraseUser('app_v0', 'ada');
    expect(await exclusions.get('app_v0')).toEqual({ userIds: ['bob'], companyIds: ['c1'] });
    const docs = await connection.collection('exclusions').find({ appId: 'app_v0' }).toArray();
    expect(docs.map((doc) => doc._id)).toEqual(['app_v0|list|1']);
  });
});
