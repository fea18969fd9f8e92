import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { NamedFilterRepository } from './named-filter.repository';
import { InvalidFilter, NamedFilterExists } from './named-filters.errors';
import { NamedFiltersService } from './named-filters.service';

const ROUNDS = 10;

describe(NamedFiltersService.name, () => {
  let connection: Connection;
  let sut: NamedFiltersService;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('named_filters'), { autoIndex: false }).asPromise();
    const repository = new NamedFilterRepository(connection);
    await repository.onModuleInit();
    sut = new NamedFiltersService(repository, new SystemClock());
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('concurrent creates of one name: one wins, the others are told it exists', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `SAME_${round}`;
      const outcomes = await Promise.allSettled(
        ['a == 1', 'a == 2', 'a == 3', 'a == 4'].map((filter) => sut.create('app_n', { name, displayName: '', filter })),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(NamedFilterExists);
      const stored = await sut.get('app_n', name);
      expect(stored.filter).toBe((won[0] as PromiseFulfilledResult<{ filter: string }>).value.filter);
    }
  });

  it('expands $NAME recursively and refuses unknown names and cycles; names stay per app', async () => {
    await sut.create('app_x', { name: 'PAYING', displayName: 'Paying', filter: `plan IN ['pro']` });
    await sut.create('app_x', { name: 'BIG_PAYING', displayName: '', filter: '$PAYING AND seats > 10' });
    expect(await sut.expand('app_x', '$BIG_PAYING')).toEqual({
      kind: 'and',
      children: [
        { kind: 'in', field: 'plan', negated: false, values: ['pro'] },
        { kind: 'compare', field: 'seats', op: '>', value: 10 },
      ],
    });
    await expect(sut.expand('app_other', '$PAYING')).rejects.toBeInstanceOf(InvalidFilter);
    await expect(sut.update('app_x', 'PAYING', { displayName: '', filter: '$BIG_PAYING' })).rejects.toMatchObject({
      code: 'invalid_filter',
      details: { cycle: ['PAYING', 'BIG_PAYING', 'PAYING'] },
    });
    await expect(sut.rowFilter('app_x', ['events'], ['$PAYING'])).rejects.toMatchObject({
      code: 'invalid_filter',
      details: { column: 'plan', dataType: 'events' },
    });
    await expect(sut.delete('app_x', 'PAYING')).rejects.toMatchObject({
      code: 'named_filter_in_use',
      details: { filters: ['BIG_PAYING'] },
    });
  });
});
