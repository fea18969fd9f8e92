import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { FeatureRecord, FeatureRepository } from './feature.repository';
import { FeatureNotFound } from './features.errors';
import { FeatureInput, FeaturesService } from './features.service';

const ROUNDS = 10;

describe(FeaturesService.name, () => {
  let connection: Connection;
  let sut: FeaturesService;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('features'), { autoIndex: false }).asPromise();
    const repository = new FeatureRepository(connection);
    await repository.onModuleInit();
    sut = new FeaturesService(repository, new SystemClock());
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  const ruleOf = (f: FeatureRecord) =>
    f.companyAttribute ? `attribute:${f.companyAttribute.key}` : `events:${f.events?.join(',')}`;

  it('concurrent PATCHes leave one whole rule of those sent and a name of those sent', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { _id: id } = await sut.create('app_f', { name: 'Messaging', events: ['Sent message'] });
      const patches: FeatureInput[] = [
        { events: ['Read message', 'Sent message'] },
        { companyAttribute: { key: 'hasSlackEnabled', equalsJson: 'true' } },
        { name: `Messaging ${round}` },
        { name: `Chat ${round}`, events: ['Opened chat'] },
        { companyAttribute: { key: 'plan', equalsJson: '"pro"' } },
      ];
      await Promise.all(patches.map((patch) => sut.update('app_f', id, patch)));
      const stored = await sut.get('app_f', id);
      expect(!!stored.events && !!stored.companyAttribute).toBe(false);
      expect(['Messaging', `Messaging ${round}`, `Chat ${round}`]).toContain(stored.name);
      expect([
        'events:Sent message',
        'events:Read message,Sent message',
        'events:Opened chat',
        'attribute:hasSlackEnabled',
        'attribute:plan',
      ]).toContain(ruleOf(stored));
    }
  });

  it('a PATCH racing a DELETE never brings the feature back', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { _id: id } = await sut.create('app_f', { name: 'Doomed', events: ['x'] });
      const outcomes = await Promise.allSettled([
        sut.update('app_f', id, { name: 'Renamed' }),
        sut.delete('app_f', id),
        sut.update('app_f', id, { events: ['y'] }),
      ]);
      expect(outcomes[1]?.status).toBe('fulfilled');
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(FeatureNotFound);
      await expect(sut.get('app_f', id)).rejects.toBeInstanceOf(FeatureNotFound);
    }
  });
});
