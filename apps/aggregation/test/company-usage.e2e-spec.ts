import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { companyUsage } from '@exportd/contracts';
import { createGrpcClient } from '@exportd/grpc';
import { ManualClock } from '@exportd/runtime';
import { status } from '@grpc/grpc-js';
import { createApp, requestJson, startTestPlatform, TestPlatform, usageRecords } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { CompanyFeatureRow } from '../src/company-usage/company-usage.metrics';
import { CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
import { CompanyUsageService } from '../src/company-usage/company-usage.service';
import { FeatureRepository } from '../src/features/feature.repository';
import { FeaturesService } from '../src/features/features.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';
import { BIG_SPENDERS, buildScenario, cellsOf, expectedToday, MESSAGING, SLACK } from './company-usage.scenario';

const HEADER =
  'Company ID,Company Name,Feature Name,Feature ID,Date,First Seen,Last Seen,First Used,Last Used,STARS State Label,' +
  'STARS State,Frequency Label,Frequency,Satisfaction Label,Satisfaction,Feedback Count,Segment Names,Segment IDs';

/** A strict RFC 4180 reader (CRLF records, quoted cells with doubled quotes). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' && cell === '') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          cell += text[i];
          i++;
        }
      }
    } else if (ch === ',') {
      record.push(cell);
      cell = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i += 2;
    } else {
      cell += ch;
      i++;
    }
  }
  if (cell !== '' || record.length > 0) throw new Error('the last record is not CRLF-terminated');
  return records;
}

/** What the CSV does to a cell a spreadsheet would run as a formula. */
const neutralised = (cell: string) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

describe('company data export, end to end', () => {
  let platform: TestPlatform;
  let connection: Connection;
  let apiKey: string;
  let appId: string;
  const ids = { messaging: '', slack: '', bigSpenders: '' };

  beforeAll(async () => {
    platform = await startTestPlatform();
    const app = await createApp(platform.gatewayUrl, platform.adminToken, 'pro');
    apiKey = app.apiKey;
    appId = app.id;
    const post = async (path: string, body: unknown) => {
      const response = await requestJson<{ id: string }>(platform.gatewayUrl, 'POST', path, { token: apiKey, body });
      expect(response.status).toBe(201);
      return response.body.id;
    };
    ids.messaging = await post('/api/v1/features', MESSAGING);
    ids.slack = await post('/api/v1/features', SLACK);
    ids.bigSpenders = await post('/api/v1/segments', BIG_SPENDERS);
    // "today" in the real processes is the system clock: the scenario is built relative to it.
    const records = usageRecords(appId);
    buildScenario(records, new Date(), ids.messaging);
    await records.writeTo(platform.mongoUrl);
    connection = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await connection?.close();
    await platform?.stop();
  });

  async function download(history: string) {
    const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=${history}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** The same rows computed in-process from the same database, with a clock at the real now. */
  async function serviceRows(history: string): Promise<CompanyFeatureRow[]> {
    const clock = new ManualClock(new Date());
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(
      new SegmentRepository(connection),
      clock,
      new NamedFiltersService(new NamedFilterRepository(connection), clock),
    );
    const sut = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    const rows: CompanyFeatureRow[] = [];
    for await (const batch of sut.streamRows(appId, history)) rows.push(...batch);
    return rows;
  }

  it('today: the CSV holds the scenario, cell for cell', async () => {
    const now = new Date();
    const { status, headers, text } = await download('today');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/csv/);
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="companies-today\.csv"$/);
    expect(text.split('\r\n')[0]).toBe(HEADER);
    const [header, ...rows] = parseCsv(text);
    expect(header).toHaveLength(18);
    expect(rows).toEqual(expectedToday(now, ids).map((row) => row.map(neutralised)));
    expect(rows[0]?.[1]).toBe(`'=HYPERLINK("http://evil")`);
    expect(text).toContain(`"Tried, Inc."`);
    expect(text).toContain(`"Retained ""R"" Ltd"`);
    expect(text).toContain(`"Big spenders"`);
  });

  it.each(['today', '30d-daily', '3m-weekly', '6m-weekly'])(
    '%s: the CSV matches the service rows cell for cell',
    async (history) => {
      const expected = (await serviceRows(history)).map((row) => cellsOf(row).map(neutralised));
      const { status, text } = await download(history);
      expect(status).toBe(200);
      const [header, ...rows] = parseCsv(text);
      expect(header?.join(',')).toBe(HEADER);
      expect(rows).toEqual(expected);
      expect(rows.length).toBeGreaterThan(0);
    },
  );

  it('serves the rows as a gRPC stream in batches, and refuses an unknown history', async () => {
    const client = createGrpcClient(companyUsage.CompanyUsageServiceService, {
      address: platform.env.AGGREGATION_GRPC_ADDR as string,
      internalToken: platform.internalToken,
    });
    try {
      const sizes: number[] = [];
      for await (const batch of client.streamCompanyFeatureRows({ appId, history: '30d-daily', batchSize: 50 })) {
        sizes.push((batch as { rows: unknown[] }).rows.length);
      }
      expect(sizes.length).toBeGreaterThan(1);
      expect(Math.max(...sizes)).toBe(50);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe((await serviceRows('30d-daily')).length);

      const refused = async () => {
        for await (const _ of client.streamCompanyFeatureRows({ appId, history: 'yearly', batchSize: 0 })) void _;
      };
      await expect(refused()).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    } finally {
      client.close();
    }
  });
});
