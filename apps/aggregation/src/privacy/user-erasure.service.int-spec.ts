import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { ExclusionsRepository } from '../exclusions/exclusions.repository';
import { ExclusionsService } from '../exclusions/exclusions.service';
import { InvalidPrivacyRequest } from './privacy.errors';
import { UserErasureRepository } from './user-erasure.repository';
import { UserErasureService } from './user-erasure.service';

const ROUNDS = 20;
const ADA = 'user-ada';

describe(UserErasureService.name, () => {
  let connection: Connection;
  let exclusions: ExclusionsService;
  let sut: UserErasureService;

  /** Every stored document of the collection, as text. */
  const stored = async (collection: string) => JSON.stringify(await connection.collection(collection).find({}).toArray());

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('erasure'), { autoIndex: false }).asPromise();
    const repository = new ExclusionsRepository(connection);
    await repository.onModuleInit();
    const clock = new SystemClock();
    exclusions = new ExclusionsService(repository, clock);
    sut = new UserErasureService(new UserErasureRepository(connection), exclusions, clock);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('takes the user id out of the exclusion list and its single-value record, and keeps the rest', async () => {
    const appId = 'app_erase';
    await exclusions.put(appId, { userIds: [ADA, 'user-bob'], companyIds: ['c1'] });
    await connection
      .collection('exclusions')
      .insertOne({ _id: `${appId}|user|${ADA}`, appId, kind: 'user', value: ADA, createdAt: new Date() } as never);
    await connection
      .collection('exclusions')
      .insertOne({ _id: 'app_erase_other|user|user-ada', appId: 'app_erase_other', kind: 'user', value: ADA } as never);

    expect(await sut.erase(appId, ADA, 'req-1')).toEqual([{ name: 'exclusions', count: 2 }]);
    expect(await exclusions.get(appId)).toEqual({ userIds: ['user-bob'], companyIds: ['c1'] });
    const left = (await connection.collection('exclusions').find({ appId }).toArray()).map((doc) => JSON.stringify(doc));
    for (const doc of left) expect(doc).not.toContain(ADA);
    // Another app's list is another app's.
    expect(await exclusions.get('app_erase_other')).toEqual({ userIds: [ADA], companyIds: [] });
    // The request's record holds no user id.
    expect(await stored('exclusion_erasures')).not.toContain(ADA);
  });

  it('answers a retry with the first attempt’s count and changes nothing; a new request answers 0', async () => {
    const appId = 'app_retry';
    await exclusions.put(appId, { userIds: [ADA], companyIds: [] });
    expect(await sut.erase(appId, ADA, 'req-1')).toEqual([{ name: 'exclusions', count: 1 }]);
    expect(await sut.erase(appId, ADA, 'req-2')).toEqual([{ name: 'exclusions', count: 0 }]);
    // The customer lists the user again: a late retry of the first request leaves that list alone.
    await exclusions.put(appId, { userIds: [ADA, 'user-bob'], companyIds: [] });
    expect(await sut.erase(appId, ADA, 'req-1')).toEqual([{ name: 'exclusions', count: 1 }]);
    expect(await exclusions.get(appId)).toEqual({ userIds: [ADA, 'user-bob'], companyIds: [] });
  });

  it('attempts of one request at once all answer the same count, recorded once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const appId = `app_attempts_${round}`;
      await exclusions.put(appId, { userIds: [ADA, 'user-bob'], companyIds: [] });
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => sut.erase(appId, ADA, 'req')));
      expect(answers).toEqual(answers.map(() => [{ name: 'exclusions', count: 1 }]));
      expect(await exclusions.get(appId)).toEqual({ userIds: ['user-bob'], companyIds: [] });
    }
  });

  it('refuses a request without an app id, a user id or a request id', async () => {
    await expect(sut.erase('', ADA, 'req')).rejects.toBeInstanceOf(InvalidPrivacyRequest);
    await expect(sut.erase('app', '', 'req')).rejects.toThrow('user_id is required');
    await expect(sut.erase('app', ADA, '')).rejects.toThrow('request_id is required');
  });
});
