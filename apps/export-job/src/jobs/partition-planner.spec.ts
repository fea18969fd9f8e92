import { monthsBetween, planPartitions } from './partition-planner';

describe('planPartitions', () => {
  it("cuts an events export into calendar months keyed by their first day (the seed's chunks)", () => {
    const sut = planPartitions(['events'], '2024-05-02', '2024-09-30');
    expect(sut.map((p) => p.key)).toEqual(['2024-05-01', '2024-06-01', '2024-07-01', '2024-08-01', '2024-09-01']);
    expect(sut[0]).toMatchObject({ index: 0, dataType: 'events', fromDay: '2024-05-02', toDay: '2024-05-31' });
    expect(sut[4]).toMatchObject({ fromDay: '2024-09-01', toDay: '2024-09-30' });
  });

  it('clips a single-month range on both ends and handles leap years', () => {
    expect(planPartitions(['events'], '2024-02-10', '2024-02-12')).toEqual([
      { index: 0, key: '2024-02-01', dataType: 'events', fromDay: '2024-02-10', toDay: '2024-02-12' },
    ]);
    expect(planPartitions(['events'], '2024-02-01', '2024-03-01')[0]?.toDay).toBe('2024-02-29');
  });

  it('crosses a year end', () => {
    expect(monthsBetween('2023-11-15', '2024-02-01')).toEqual(['2023-11-01', '2023-12-01', '2024-01-01', '2024-02-01']);
  });

  it('prefixes keys with the data type when there are several; profiles are one partition each', () => {
    const sut = planPartitions(['events', 'users', 'companies', 'feedback'], '2024-06-20', '2024-07-05');
    expect(sut.map((p) => p.key)).toEqual([
      'events-2024-06-01',
      'events-2024-07-01',
      'users',
      'companies',
      'feedback-2024-06-01',
      'feedback-2024-07-01',
    ]);
    expect(sut.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
