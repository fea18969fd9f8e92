import { RAW_COLLECTIONS, TrackingCallRecord } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { SuppressionList } from './suppression-list';
import { SuppressionRepository } from './suppression.repository';
import { TrackingInput } from './tracking.model';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';
import { WritePriority } from './write-priority';

/** Feedback with a feedbackId against the real database: a later call updates the one stored record. */
describe(`${TrackingService.name} (feedback updates)`, () => {
  let connection: Connection;
  let sut: TrackingService;
  let projector: TrackingProjector;
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
  let appSeq = 0;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('feedback')).asPromise();
    const repository = new TrackingRepository(connection);
    await repository.onModuleInit();
    const priority = new WritePriority();
    projector = new TrackingProjector(repository, clock, priority);
    sut = new TrackingService(
      repository,
      projector,
      priority,
      clock,
      new SuppressionList(new SuppressionRepository(connection), clock),
    );
  });

  afterAll(async () => {
    await projector.idle();
    await connection.close();
  });

  const newApp = () => `app_fb_${++appSeq}`;
  const feedback = (fields: Partial<TrackingInput>): TrackingInput => ({
    type: 'feedback',
    userId: 'u1',
    featureId: 'reports',
    feedbackId: 'fb-1',
    attributes: '{}',
    active: true,
    timestamp: clock.now(),
    ...fields,
  });
  const stored = (appId: string) =>
    connection.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId }).sort({ _id: 1 }).toArray();

  it('stores the first call as <appId>:fb:<feedbackId> and a later one updates it (fields it does not send are kept)', async () => {
    const appId = newApp();
    expect(await sut.track(appId, [feedback({ score: 2, source: 'widget', question: 'How is it?' })])).toEqual({
      stored: 1,
      duplicates: 0,
      suppressed: 0,
    });
    const [first] = await stored(appId);
    expect(first).toMatchObject({ _id: `${appId}:fb:fb-1`, score: 2, source: 'widget', question: 'How is it?' });

    clock.advance(2 * 86_400_000);
    const later = clock.now();
    expect(await sut.track(appId, [feedback({ score: 4, comment: 'better now', timestamp: later })])).toEqual({
      stored: 1,
      duplicates: 0,
      suppressed: 0,
    });
    const all = await stored(appId);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      _id: `${appId}:fb:fb-1`,
      score: 4,
      comment: 'better now',
      source: 'widget',
      question: 'How is it?',
      timestamp: later,
      day: '2026-03-04',
      receivedAt: later,
      receivedDay: '2026-03-04',
      // The round that inserted it: a failed later round never removes it.
      journalId: first?.journalId,
    });
  });

  it('a retried call (same messageId) is a duplicate, even after a later call: it does not undo the later one', async () => {
    const appId = newApp();
    const firstCall = feedback({ messageId: 'm1', score: 1 });
    await sut.track(appId, [firstCall]);
    await sut.track(appId, [feedback({ messageId: 'm2', score: 5 })]);
    expect(await sut.track(appId, [firstCall])).toEqual({ stored: 0, duplicates: 1, suppressed: 0 });
    expect(await sut.track(appId, [feedback({ messageId: 'm2', score: 5 })])).toEqual({
      stored: 0,
      duplicates: 1,
      suppressed: 0,
    });
    const all = await stored(appId);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ score: 5, messageId: 'm2' });
    expect([...(all[0]?.messageIds ?? [])].sort()).toEqual(['m1', 'm2']);
  });

  it('a first call without a messageId, then calls with one: each applied once', async () => {
    const appId = newApp();
    await sut.track(appId, [feedback({ score: 1 })]);
    expect(await sut.track(appId, [feedback({ messageId: 'x', score: 2 })])).toEqual({ stored: 1, duplicates: 0, suppressed: 0 });
    expect(await sut.track(appId, [feedback({ messageId: 'x', score: 2 })])).toEqual({ stored: 0, duplicates: 1, suppressed: 0 });
    const merged = newApp();
    await sut.track(merged, [feedback({ score: 1 }), feedback({ messageId: 'y', score: 3 })]);
    await sut.track(merged, [feedback({ messageId: 'z', score: 4 })]);
    expect((await stored(appId))[0]).toMatchObject({ score: 2, messageIds: ['x'] });
    expect((await stored(merged))[0]).toMatchObject({ score: 4, messageIds: ['y', 'z'] });
  });

  it('calls of one feedback in one round are merged in arrival order; a repeated messageId counts once', async () => {
    const appId = newApp();
    const result = await sut.track(appId, [
      feedback({ messageId: 'a', score: 2 }),
      feedback({ messageId: 'b', comment: 'hm' }),
      feedback({ messageId: 'b', comment: 'hm' }),
      feedback({ messageId: 'c', score: 3 }),
      feedback({ feedbackId: 'fb-2', score: 1 }),
    ]);
    expect(result).toEqual({ stored: 4, duplicates: 1, suppressed: 0 });
    const all = await stored(appId);
    expect(all.map((r) => [r._id, r.score, r.comment ?? null])).toEqual([
      [`${appId}:fb:fb-1`, 3, 'hm'],
      [`${appId}:fb:fb-2`, 1, null],
    ]);
    expect(all[0]?.messageIds).toEqual(['a', 'b', 'c']);
  });

  it('another user or feature cannot change a feedback (answered as a duplicate); another app has its own', async () => {
    const appId = newApp();
    const other = newApp();
    await sut.track(appId, [feedback({ score: 2 })]);
    expect(await sut.track(appId, [feedback({ userId: 'u2', score: 5 })])).toEqual({ stored: 0, duplicates: 1, suppressed: 0 });
    expect(await sut.track(appId, [feedback({ featureId: 'other', score: 5 })])).toEqual({
      stored: 0,
      duplicates: 1,
      suppressed: 0,
    });
    await sut.track(other, [feedback({ score: 4 })]);
    expect((await stored(appId)).map((r) => r.score)).toEqual([2]);
    expect((await stored(other)).map((r) => r.score)).toEqual([4]);
  });

  it('concurrent calls of one feedback: one record, every call applied once, the last one queued wins', async () => {
    // Fails without the app's single writer: with one TrackingService (one queue) per call, so 20 writers,
    // FerretDB 1.24 kept 4 to 8 of the 20 messageIds while every call was answered as stored.
    const appId = newApp();
    const scores = Array.from({ length: 20 }, (_, i) => (i % 5) + 1);
    const results = await Promise.all(
      scores.map((score, i) => sut.track(appId, [feedback({ messageId: `c${i}`, score, comment: `call ${i}` })])),
    );
    expect(results.reduce((sum, r) => sum + r.stored, 0)).toBe(20);
    const all = await stored(appId);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ score: scores[19], comment: 'call 19', messageId: 'c19' });
    expect([...(all[0]?.messageIds ?? [])].sort()).toEqual(scores.map((_, i) => `c${i}`).sort());
  });
});
