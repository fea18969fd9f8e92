import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { NamedFilterRepository } from '../named-filters/named-filter.repository';
import { NamedFiltersService } from '../named-filters/named-filters.service';
import { SegmentRepository } from './segment.repository';
import { SegmentNotFound } from './segments.errors';
import { SegmentsService } from './segments.service';

const ROUNDS = 10;

describe(SegmentsService.name, () => {
  let connection: Connection;
  let sut: SegmentsService;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('segments'), { autoIndex: false }).asPromise();
    const repository = new SegmentRepository(connection);
    await repository.onModuleInit();
    const namedFilters = new NamedFilterRepository(connection);
    await namedFilters.onModuleInit();
    sut = new SegmentsService(repository, new SystemClock(), new NamedFiltersService(namedFilters, new SystemClock()));
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('concurrent PATCHes leave a name and a filter of those sent, and a PATCH never revives a deleted segment', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { _id: id } = await sut.create('app_s', { name: 'Big spenders', filter: 'monthly_spend >= 50' });
      const filters = ['monthly_spend >= 100', 'plan == "pro"', 'seats > 10'];
      await Promise.all([
        ...filters.map((filter) => sut.update('app_s', id, { filter })),
        sut.update('app_s', id, { name: `Spenders ${round}` }),
      ]);
      const stored = await sut.get('app_s', id);
      expect(['Big spenders', `Spenders ${round}`]).toContain(stored.name);
      expect(['monthly_spend >= 50', ...filters]).toContain(stored.filter);

      const outcomes = await Promise.allSettled([sut.delete('app_s', id), sut.update('app_s', id, { name: 'Late' })]);
      expect(outcomes[0]?.status).toBe('fulfilled');
      if (outcomes[1]?.status === 'rejected') expect(outcomes[1].reason).toBeInstanceOf(SegmentNotFound);
      await expect(sut.get('app_s', id)).rejects.toBeInstanceOf(SegmentNotFound);
    }
  });
});
