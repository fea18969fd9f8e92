import { CompanyProfileRecord, RAW_COLLECTIONS, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { AppRepository } from '../apps/app.repository';
import { AppsService } from '../apps/apps.service';
import { SuppressionList } from '../tracking/suppression-list';
import { SuppressionRepository } from '../tracking/suppression.repository';
import { TrackingInput } from '../tracking/tracking.model';
import { TrackingProjector } from '../tracking/tracking.projector';
import { TrackingRepository } from '../tracking/tracking.repository';
import { TrackingService } from '../tracking/tracking.service';
import { WritePriority } from '../tracking/write-priority';
import { UserErasureRepository } from './user-erasure.repository';
import { UserErasureService } from './user-erasure.service';

/** A process killed after storing a round: its projector never applies it. */
class KilledProjector extends TrackingProjector {
  override add(): void {
    // the process died before applying
  }
}

/** A process killed mid-erasure: after the user's calls are deleted, before the links and profile. */
class KilledMidErasure extends UserErasureRepository {
  override unlink(): Promise<void> {
    return Promise.reject(new Error('killed'));
  }
}

const AT = new Date('2026-03-02T09:00:00Z');

/** One ingestion process's objects over the test's database. */
function startProcess(
  connection: Connection,
  clock: ManualClock,
  options: { projector?: typeof TrackingProjector; erasures?: typeof UserErasureRepository } = {},
) {
  const priority = new WritePriority();
  const tracking = new TrackingRepository(connection);
  const projector = new (options.projector ?? TrackingProjector)(tracking, clock, priority);
  const suppressions = new SuppressionList(new SuppressionRepository(connection), clock);
  const service = new TrackingService(tracking, projector, priority, clock, suppressions);
  const apps = new AppsService(new AppRepository(connection), clock);
  const erasure = new UserErasureService(
    new (options.erasures ?? UserErasureRepository)(connection),
    apps,
    service,
    suppressions,
    priority,
    clock,
  );
  return { projector, service, apps, erasure, suppressions };
}

describe(UserErasureService.name, () => {
  let connection: Connection;
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
  let sut: ReturnType<typeof startProcess>;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('erasure')).asPromise();
    await new TrackingRepository(connection).onModuleInit();
    await new AppRepository(connection).onModuleInit();
    await new SuppressionRepository(connection).onModuleInit();
    sut = startProcess(connection, clock);
  });

  afterAll(async () => {
    await sut?.projector.idle();
    await connection?.dropDatabase();
    await connection?.close();
  });

  const newApp = async () => (await sut.apps.createApp('Erasure', 'pro')).app._id;
  const calls = (appId: string) => connection.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId }).toArray();
  const callIds = async (appId: string, userId?: string) =>
    (await calls(appId))
      .filter((c) => userId === undefined || c.userId === userId)
      .map((c) => c.messageId)
      .sort();
  const user = (appId: string, userId: string) =>
    connection.collection<UserProfileRecord>(RAW_COLLECTIONS.users).findOne({ appId, userId });
  const linksOf = async (appId: string) => {
    const companies = await connection.collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies).find({ appId }).toArray();
    return Object.fromEntries(companies.map((c) => [c.companyId, [...c.userIds].sort()]));
  };
  const snapshot = async (appId: string) => {
    const read = (name: string) =>
      connection.collection(name).find({ appId }).sort({ _id: 1 }).project({ updatedAt: 0 }).toArray();
    return {
      calls: await read(RAW_COLLECTIONS.calls),
      users: await read(RAW_COLLECTIONS.users),
      companies: await read(RAW_COLLECTIONS.companies),
      usage: await read(RAW_COLLECTIONS.usageDaily),
      companyDays: await read(RAW_COLLECTIONS.companyAttributesDaily),
    };
  };

  const call = (input: Partial<TrackingInput> & Pick<TrackingInput, 'type'>): TrackingInput => ({
    attributes: '{}',
    active: true,
    timestamp: AT,
    ...input,
  });
  /** Every call type for a user: identify, two company links, events with and without companyId, feedback. */
  const everyType = (userId: string, own: string[]): TrackingInput[] => [
    call({ type: 'user', messageId: `${userId}-user`, userId, attributes: '{"plan":"pro"}' }),
    ...own.map((companyId) => call({ type: 'company', messageId: `${userId}-company-${companyId}`, userId, companyId })),
    call({ type: 'event', messageId: `${userId}-event`, userId, event: 'Opened report' }),
    call({ type: 'event', messageId: `${userId}-event-acme`, userId, companyId: 'acme', event: 'Sent message' }),
    call({ type: 'feedback', messageId: `${userId}-feedback`, userId, featureId: 'reports', score: 4 }),
  ];

  it('removes exactly the user calls of every type, the profile and the links, keeping the other user and the counters', async () => {
    const appId = await newApp();
    await sut.service.track(appId, [
      ...everyType('u1', ['acme', 'globex']),
      ...everyType('u2', ['acme']),
      call({ type: 'company', messageId: 'acme-only', companyId: 'acme', attributes: '{"tier":"gold"}' }),
    ]);
    await sut.projector.idle();
    const before = await snapshot(appId);
    expect(await linksOf(appId)).toEqual({ acme: ['u1', 'u2'], globex: ['u1'] });

    const removed = await sut.erasure.eraseUser(appId, 'u1', 'req-1', false);

    expect(removed).toEqual([
      { name: 'tracking_calls', count: 6 },
      { name: 'user_profiles', count: 1 },
      { name: 'company_profiles', count: 2 },
    ]);
    expect(await callIds(appId, 'u1')).toEqual([]);
    expect(await callIds(appId)).toEqual(
      ['acme-only', 'u2-company-acme', 'u2-event', 'u2-event-acme', 'u2-feedback', 'u2-user'].sort(),
    );
    expect(await user(appId, 'u1')).toBeNull();
    expect(await user(appId, 'u2')).toMatchObject({ companyIds: ['acme'] });
    expect(await linksOf(appId)).toEqual({ acme: ['u2'], globex: [] });
    const after = await snapshot(appId);
    expect(after.usage).toEqual(before.usage);
    expect(after.companyDays).toEqual(before.companyDays);

    // A retry of the request answers the first counts and changes nothing; a new request finds nothing.
    expect(await sut.erasure.eraseUser(appId, 'u1', 'req-1', false)).toEqual(removed);
    expect(await snapshot(appId)).toEqual(after);
    expect(await sut.erasure.eraseUser(appId, 'u1', 'req-2', false)).toEqual([
      { name: 'tracking_calls', count: 0 },
      { name: 'user_profiles', count: 0 },
      { name: 'company_profiles', count: 0 },
    ]);
    expect(await snapshot(appId)).toEqual(after);
  });

  it('loses no link of other users when it runs while their company calls, and the user own calls, keep arriving', async () => {
    const appId = await newApp();
    const companies = Array.from({ length: 60 }, (_, i) => `c${i}`);
    // Several erasures, each a chance for a $pull to race the projector's $addToSet on the same company.
    const erasedUsers = ['u1', 'u2', 'u3', 'u4', 'u5'];
    await sut.service.track(
      appId,
      erasedUsers.flatMap((userId) =>
        companies.map((companyId) => call({ type: 'company', messageId: `${userId}-${companyId}`, userId, companyId })),
      ),
    );
    await sut.projector.idle();

    // Other users link to the same companies, one round after another, while u1's own calls keep coming.
    let erasing = true;
    let u1Erased = false;
    let rounds = 0;
    const others: string[] = [];
    const u1Calls: { messageId: string; storedAfterErasure: boolean }[] = [];
    const linking = (async () => {
      for (let k = 0; erasing || k < 10; k++) {
        const other = `o${k}`;
        others.push(other);
        await sut.service.track(
          appId,
          companies.map((companyId) => call({ type: 'company', messageId: `${other}-${companyId}`, userId: other, companyId })),
        );
        rounds += 1;
      }
    })();
    const ownCalls = (async () => {
      for (let k = 0; u1Calls.filter((c) => c.storedAfterErasure).length < 5; k++) {
        const messageId = `u1-event-${k}`;
        await sut.service.track(appId, [call({ type: 'event', messageId, userId: 'u1', event: 'Opened report' })]);
        u1Calls.push({ messageId, storedAfterErasure: u1Erased });
      }
    })();
    const roundsPassed = async (n: number) => {
      const until = rounds + n;
      while (rounds < until) await new Promise((r) => setTimeout(r, 5));
    };
    const removed: Awaited<ReturnType<UserErasureService['eraseUser']>>[] = [];
    for (const userId of erasedUsers) {
      await roundsPassed(3);
      removed.push(await sut.erasure.eraseUser(appId, userId, `req-race-${userId}`, false));
      if (userId === 'u1') u1Erased = true;
    }
    erasing = false;
    await Promise.all([linking, ownCalls]);
    await sut.projector.idle();

    for (const counts of removed) expect(counts).toContainEqual({ name: 'company_profiles', count: companies.length });
    const links = await linksOf(appId);
    for (const companyId of companies) expect([companyId, links[companyId]]).toEqual([companyId, [...others].sort()]);
    // What was stored before the erasure is gone; what came after it is new data, kept.
    expect(await callIds(appId, 'u1')).toEqual(
      u1Calls
        .filter((c) => c.storedAfterErasure)
        .map((c) => c.messageId)
        .sort(),
    );
    expect(u1Calls.some((c) => !c.storedAfterErasure)).toBe(true);
    expect(await user(appId, 'u1')).toMatchObject({ companyIds: [] });
  });

  it('with suppression, answers the user later calls as suppressed, stores none, and no document holds the user id', async () => {
    const appId = await newApp();
    const erasedUser = 'erased-user-7f3a9c';
    await sut.service.track(appId, [...everyType(erasedUser, ['acme']), ...everyType('u2', ['acme'])]);
    await sut.projector.idle();

    const removed = await sut.erasure.eraseUser(appId, erasedUser, 'req-suppress', true);
    expect(removed).toEqual([
      { name: 'tracking_calls', count: 5 },
      { name: 'user_profiles', count: 1 },
      { name: 'company_profiles', count: 1 },
      { name: 'suppressions', count: 1 },
    ]);

    const later = await sut.service.track(appId, [
      call({ type: 'user', messageId: 'later-user', userId: erasedUser }),
      call({ type: 'event', messageId: 'later-event', userId: erasedUser, event: 'Opened report' }),
      call({ type: 'company', messageId: 'later-company', userId: erasedUser, companyId: 'initech' }),
      call({ type: 'company', messageId: 'later-company-only', companyId: 'initech' }),
      call({ type: 'event', messageId: 'later-u2', userId: 'u2', event: 'Opened report' }),
    ]);
    expect(later).toEqual({ stored: 2, duplicates: 0, suppressed: 3 });
    // Another replica, reading the suppressions from the database, refuses them too.
    const replica = startProcess(connection, clock);
    expect(await replica.service.track(appId, [call({ type: 'event', userId: erasedUser, event: 'Opened report' })])).toEqual({
      stored: 0,
      duplicates: 0,
      suppressed: 1,
    });
    await Promise.all([sut.projector.idle(), replica.projector.idle()]);
    expect(await callIds(appId, erasedUser)).toEqual([]);
    expect(await linksOf(appId)).toEqual({ acme: ['u2'], initech: [] });

    // A new request for the user: nothing left, and the suppression is not added again.
    expect(await sut.erasure.eraseUser(appId, erasedUser, 'req-suppress-2', true)).toEqual([
      { name: 'tracking_calls', count: 0 },
      { name: 'user_profiles', count: 0 },
      { name: 'company_profiles', count: 0 },
    ]);

    const db = connection.db;
    if (!db) throw new Error('no database');
    const holders: string[] = [];
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find({}).toArray()) {
        if (JSON.stringify(doc).includes(erasedUser)) holders.push(`${name}: ${String(doc._id)}`);
      }
    }
    expect(holders).toEqual([]);
  });

  it('after a process killed mid-erasure restarts, re-applies its open rounds without the deleted calls, and the retry completes', async () => {
    const appId = await newApp();
    await sut.service.track(appId, everyType('u1', ['acme']));
    await sut.projector.idle();

    // A process stores calls of u1 and u2, is killed before applying them, and was erasing u1 meanwhile.
    const killed = startProcess(connection, clock, { projector: KilledProjector, erasures: KilledMidErasure });
    await killed.service.track(appId, [
      call({ type: 'company', messageId: 'open-u1', userId: 'u1', companyId: 'globex' }),
      call({ type: 'company', messageId: 'open-u2', userId: 'u2', companyId: 'globex' }),
    ]);
    await expect(killed.erasure.eraseUser(appId, 'u1', 'req-crash', false)).rejects.toThrow('killed');
    expect(await callIds(appId, 'u1')).toEqual([]);
    expect(await user(appId, 'u1')).not.toBeNull();

    const restarted = startProcess(connection, clock);
    await restarted.projector.onApplicationBootstrap();
    await restarted.projector.idle();
    expect(await linksOf(appId)).toEqual({ acme: ['u1'], globex: ['u2'] });

    const removed = await restarted.erasure.eraseUser(appId, 'u1', 'req-crash', false);
    expect(removed).toEqual([
      { name: 'tracking_calls', count: 6 },
      { name: 'user_profiles', count: 1 },
      { name: 'company_profiles', count: 1 },
    ]);
    expect(await user(appId, 'u1')).toBeNull();
    expect(await linksOf(appId)).toEqual({ acme: [], globex: ['u2'] });
    expect(await callIds(appId)).toEqual(['open-u2']);
  });

  it('refuses a retried request id that names another user, and unknown apps', async () => {
    const appId = await newApp();
    await sut.erasure.eraseUser(appId, 'u1', 'req-once', false);
    await expect(sut.erasure.eraseUser(appId, 'u2', 'req-once', false)).rejects.toMatchObject({
      code: 'erasure_request_mismatch',
    });
    await expect(sut.erasure.eraseUser('app_missing', 'u1', 'req', false)).rejects.toMatchObject({ code: 'app_not_found' });
    await expect(sut.erasure.eraseUser(appId, '', '', false)).rejects.toMatchObject({
      code: 'invalid_erasure_request',
      message: 'userId, requestId are required',
    });
  });
});
