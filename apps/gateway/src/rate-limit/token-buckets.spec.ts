import { TokenBuckets } from './token-buckets';

describe(TokenBuckets.name, () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('admits the burst at once, then refills at the rate', () => {
    const sut = new TokenBuckets(10, 20, clock);
    for (let i = 0; i < 20; i++) expect(sut.take('k')).toEqual({ ok: true });
    expect(sut.take('k')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 100; // one token back
    expect(sut.take('k')).toEqual({ ok: true });
    expect(sut.take('k').ok).toBe(false);
    now += 10_000; // full again, never more than the burst
    for (let i = 0; i < 20; i++) expect(sut.take('k').ok).toBe(true);
    expect(sut.take('k').ok).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const sut = new TokenBuckets(1, 2, clock);
    expect(sut.take('a', 2).ok).toBe(true);
    expect(sut.take('a').ok).toBe(false);
    expect(sut.take('b', 2).ok).toBe(true);
  });

  it('charges a request its cost and says in whole seconds, at least 1, when it would fit', () => {
    const sut = new TokenBuckets(2, 10, clock);
    expect(sut.take('k', 10).ok).toBe(true);
    // 7 tokens at 2 per second: 3.5 s, rounded up.
    expect(sut.take('k', 7)).toEqual({ ok: false, retryAfterSeconds: 4 });
    now += 3_500;
    expect(sut.take('k', 7)).toEqual({ ok: true });
    expect(sut.take('k', 1)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('admits a request larger than the burst from a full bucket and leaves the bucket in debt', () => {
    const sut = new TokenBuckets(10, 20, clock);
    expect(sut.take('k', 50).ok).toBe(true);
    // 30 tokens owed: one more call waits for 31 tokens, 3.1 s.
    expect(sut.take('k', 1)).toEqual({ ok: false, retryAfterSeconds: 4 });
    expect(sut.take('k', 50)).toEqual({ ok: false, retryAfterSeconds: 5 });
    now += 5_000;
    expect(sut.take('k', 50).ok).toBe(true);
  });

  it('refuses nothing with a rate of 0', () => {
    const sut = new TokenBuckets(0, 1, clock);
    for (let i = 0; i < 1_000; i++) expect(sut.take('k', 100).ok).toBe(true);
  });

  it('forgets buckets that have refilled when it runs out of room, keeping the ones in use', () => {
    const sut = new TokenBuckets(1, 5, clock, 10);
    expect(sut.take('busy', 5).ok).toBe(true);
    for (let i = 0; i < 9; i++) sut.take(`idle-${i}`);
    now += 10_000; // the idle ones are full again; so is busy, but it is taken from again below
    expect(sut.take('busy', 5).ok).toBe(true);
    sut.take('new');
    expect(sut.size).toBeLessThanOrEqual(10);
    expect(sut.take('busy').ok).toBe(false);
  });
});
