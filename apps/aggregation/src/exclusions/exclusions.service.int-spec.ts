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

  it('reads single-value records of the earlier shape with the list, and a PUT supersedes them', async () => {
    await connection.collection('exclusions').insertMany([
      { _id: 'app_l|user|old_u', appId: 'app_l', kind: 'user', value: 'old_u', createdAt: new Date() },
      { _id: 'app_l|company|old_c', appId: 'app_l', kind: 'company', value: 'old_c', createdAt: new Date() },
    ] as never[]);
    expect(await exclusions.get('app_l')).toEqual({ userIds: ['old_u'], companyIds: ['old_c'] });
    await exclusions.put('app_l', { userIds: ['new_u'], companyIds: [] });
    expect(await exclusions.get('app_l')).toEqual({ userIds: ['new_u'], companyIds: [] });
  });
});
