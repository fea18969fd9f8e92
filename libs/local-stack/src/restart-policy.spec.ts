import { RestartPolicy } from './restart-policy';

describe(RestartPolicy.name, () => {
  it('waits 0.5 s, doubling with each restart, and gives up on the sixth exit within a minute', () => {
    const sut = new RestartPolicy();
    const plans = [0, 1_000, 3_000, 6_000, 11_000].map((at) => sut.next(at));
    expect(plans).toEqual([
      { delayMs: 500, restart: 1 },
      { delayMs: 1_000, restart: 2 },
      { delayMs: 2_000, restart: 3 },
      { delayMs: 4_000, restart: 4 },
      { delayMs: 8_000, restart: 5 },
    ]);
    expect(sut.next(20_000)).toBeUndefined();
  });

  it('caps the wait at the maximum', () => {
    const sut = new RestartPolicy({ initialDelayMs: 4_000, maxDelayMs: 10_000 });
    expect([sut.next(0), sut.next(1), sut.next(2)].map((plan) => plan?.delayMs)).toEqual([4_000, 8_000, 10_000]);
  });

  it('counts only the restarts of the last window, so a process that ran a while starts over at 0.5 s', () => {
    const sut = new RestartPolicy();
    for (const at of [0, 1_000, 2_000, 3_000, 4_000]) sut.next(at);
    expect(sut.next(59_999)).toBeUndefined();
    expect(sut.next(62_500)).toEqual({ delayMs: 2_000, restart: 3 });
    expect(sut.next(200_000)).toEqual({ delayMs: 500, restart: 1 });
  });
});
