import { CompanyUsageDaysCompleteRecord, RAW_COLLECTIONS } from '@exportd/records';
import { testMongoUrl, usageRecords } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import {
  COMPANY_BY_COMPANY_MAX,
  COMPANY_READ_AHEAD,
  CompanyRecords,
  CompanyScope,
  CompanyUsageRepository,
} from '../src/company-usage/company-usage.repository';

/**
 * The repository reads each company's counters and attribute days by its id, several companies ahead of the
 * one being computed: each company still gets exactly its own records, in company id order, whatever the
 * number of companies and the order the records were written in.
 */
describe(CompanyUsageRepository.name, () => {
  const appId = 'app_reads';
  const count = COMPANY_BY_COMPANY_MAX + COMPANY_READ_AHEAD * 3 + 5;
  const idOf = (n: number) => `co-${String(n).padStart(4, '0')}`;
  let connection: Connection;
  let sut: CompanyUsageRepository;

  /** Every company's records, as read, reduced to comparable text. */
  async function read(lastDay: string, scope?: CompanyScope): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for await (const records of sut.companies(appId, lastDay, scope)) out.set(records.profile.companyId, summary(records));
    return out;
  }
  const summary = (r: CompanyRecords) =>
    JSON.stringify({
      usage: r.usage.map((u) => `${u.event} ${u.day}`).sort(),
      attributes: r.attributes.map((a) => `${a.companyId} ${a.day} ${a.attributes}`),
      feedback: r.feedback.map((f) => `${f.featureId} ${f.day} ${f.score}`).sort(),
    });
  /** What company n must get, up to lastDay (see the seed below). */
  const expected = (n: number, lastDay: string) => {
    const id = idOf(n);
    const days = ['2026-01-05', '2026-01-20', '2026-02-10'].filter((d) => d <= lastDay);
    return JSON.stringify({
      usage: days.flatMap((d) => [`Sent ${d}`, ...(n % 2 === 0 ? [`Opened ${d}`] : [])]).sort(),
      attributes: ['2026-01-03', '2026-01-25', '2026-02-05']
        .filter((d) => d <= lastDay)
        .map((d, i) => `${id} ${d} ${JSON.stringify({ name: `Company ${n}`, ...(i > 0 ? { step: i } : {}) })}`),
      feedback: n % 5 === 0 && '2026-01-15' <= lastDay ? [`feat_${n} 2026-01-15 ${1 + (n % 5)}`] : [],
    });
  };

  beforeAll(async () => {
    const url = testMongoUrl('usage_reads');
    connection = await mongoose.createConnection(url).asPromise();
    sut = new CompanyUsageRepository(connection);
    const records = usageRecords(appId);
    const other = usageRecords('app_other');
    // Written in an order unlike company order: from the last company to the first, the latest day first.
    for (let n = count - 1; n >= 0; n--) {
      const id = idOf(n);
      records.company(id, { name: `Company ${n}`, firstSeen: new Date('2026-01-01T00:00:00Z') });
      records.attributes(id, new Date('2026-01-03T10:00:00Z'), { name: `Company ${n}` });
      records.attributes(id, new Date('2026-01-25T10:00:00Z'), { step: 1 });
      records.attributes(id, new Date('2026-02-05T10:00:00Z'), { step: 2 });
      for (const day of ['2026-02-10', '2026-01-20', '2026-01-05']) {
        records.event(id, 'Sent', new Date(`${day}T09:00:00Z`), 1 + (n % 3));
        if (n % 2 === 0) records.event(id, 'Opened', new Date(`${day}T09:00:00Z`));
      }
      if (n % 5 === 0) records.feedback(id, `feat_${n}`, 1 + (n % 5), new Date('2026-01-15T08:00:00Z'));
      other.eventOnDays(id, 'Sent', ['2026-01-05']).attributes(id, new Date('2026-01-03T10:00:00Z'), { name: 'other' });
    }
    await records.writeTo(url);
    await other.writeTo(url);
    // The attribute days of company 3 stored out of day order (the repository orders them).
    const db = connection.db;
    if (!db) throw new Error('no database');
    const days = db.collection(RAW_COLLECTIONS.companyAttributesDaily);
    const docs = await days.find({ appId, companyId: idOf(3) }).toArray();
    await days.deleteMany({ appId, companyId: idOf(3) });
    await days.insertMany(docs.reverse());
  });

  afterAll(async () => {
    await connection.close();
  });

  it('gives every company exactly its own records, in company id order, whatever the write order', async () => {
    const all = await read('2026-12-31');
    expect([...all.keys()]).toEqual(Array.from({ length: count }, (_, n) => idOf(n)));
    for (let n = 0; n < count; n++) expect(all.get(idOf(n))).toBe(expected(n, '2026-12-31'));
  });

  it("gives the same from the daily counters while the app's usage days are not marked complete", async () => {
    const markers = connection.collection<CompanyUsageDaysCompleteRecord>(RAW_COLLECTIONS.companyUsageDaysComplete);
    await markers.deleteOne({ _id: appId });
    try {
      for (const lastDay of ['2026-12-31', '2026-01-20']) {
        const all = await read(lastDay);
        for (let n = 0; n < count; n++) expect(all.get(idOf(n))).toBe(expected(n, lastDay));
      }
    } finally {
      await markers.insertOne({ _id: appId, at: new Date() });
    }
  });

  it('reads nothing after the last day', async () => {
    const all = await read('2026-01-20');
    for (let n = 0; n < count; n++) expect(all.get(idOf(n))).toBe(expected(n, '2026-01-20'));
  });

  it('reads a scope of more than COMPANY_BY_COMPANY_MAX listed companies, the excluded ones left out', async () => {
    const only = Array.from({ length: count }, (_, n) => idOf(n)).filter((_, n) => n % 7 !== 1);
    const excluded = [idOf(0), idOf(14)];
    expect(only.length).toBeGreaterThan(COMPANY_BY_COMPANY_MAX);
    const all = await read('2026-12-31', { only: [...only].reverse(), excluded });
    const want = only.filter((id) => !excluded.includes(id));
    expect([...all.keys()]).toEqual(want);
    for (const id of want) expect(all.get(id)).toBe(expected(Number(id.slice(3)), '2026-12-31'));
  });

  it('stops cleanly when the reader stops early, with reads still ahead', async () => {
    const seen: string[] = [];
    for await (const records of sut.companies(appId, '2026-12-31')) {
      seen.push(records.profile.companyId);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([idOf(0), idOf(1)]);
    // The connection is still usable (nothing left hanging).
    expect((await read('2026-12-31', { only: [idOf(5)] })).get(idOf(5))).toBe(expected(5, '2026-12-31'));
  });
});
