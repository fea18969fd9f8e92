import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { analytics, rowFilter } from '@exportd/contracts';
import { COMPANY_FEATURE_LIST_COLUMNS, CsvWriter } from '@exportd/csv';
import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
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
import { BIG_SPENDERS, buildScenario, cellsOf, dayAgo, expectedToday, MESSAGING, SLACK } from './company-usage.scenario';

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
    for await (const batch of sut.streamRows(appId, sut.dates(history))) rows.push(...batch);
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

  describe('analytics.v1.RowsService.StreamRows, DATA_TYPE_COMPANY_FEATURES', () => {
    let client: GrpcClient<typeof analytics.RowsServiceService>;
    const filter = rowFilter;
    async function batches(
      fields: Partial<analytics.RowFilter>,
      batchSize = 0,
      request: Partial<analytics.StreamRowsRequest> = {},
    ): Promise<analytics.RowBatch[]> {
      const all: analytics.RowBatch[] = [];
      const stream = client.streamRows({
        appId,
        dataType: analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
        filter: filter(fields),
        batchSize,
        dimensions: [],
        useDisplayNames: false,
        csv: false,
        ...request,
      });
      for await (const batch of stream) all.push(batch as analytics.RowBatch);
      return all;
    }
    const rowsOf = (all: analytics.RowBatch[]) => all.flatMap((batch) => batch.rowsJson.map((row) => JSON.parse(row) as Row));

    beforeAll(() => {
      client = createGrpcClient(analytics.RowsServiceService, {
        address: platform.env.AGGREGATION_GRPC_ADDR as string,
        internalToken: platform.internalToken,
      });
    });
    afterAll(() => client?.close());

    it('streams the rows in batches of batch_size, the columns with the first', async () => {
      const all = await batches({ history: '30d-daily' }, 50);
      const sizes = all.map((batch) => batch.rowsJson.length);
      expect(sizes.length).toBeGreaterThan(1);
      expect(Math.max(...sizes)).toBe(50);
      expect(all[0]?.columns.join(',')).toBe(HEADER);
      expect(all.slice(1).every((batch) => batch.columns.length === 0)).toBe(true);
      expect(rowsOf(all).map((row) => cellsOf(rowOf(row)))).toEqual((await serviceRows('30d-daily')).map(cellsOf));
    });

    it('csv: each batch carries its rows as the CSV records the download writes for its rows_json rows', async () => {
      const json = await batches({ history: '30d-daily' }, 50);
      const csv = await batches({ history: '30d-daily' }, 50, { csv: true });
      expect(csv[0]?.columns.join(',')).toBe(HEADER);
      expect(csv.every((batch) => batch.rowsJson.length === 0)).toBe(true);
      const writer = new CsvWriter(COMPANY_FEATURE_COLUMNS, { listColumns: COMPANY_FEATURE_LIST_COLUMNS });
      const expected = json.map((batch) => writer.rows(batch.rowsJson.map((row) => JSON.parse(row) as Row)));
      expect(expected.join('').length).toBeGreaterThan(0);
      expect(csv.map((batch) => batch.rowsCsv)).toEqual(expected);
    });

    it.each([
      [{ dimensions: ['Company ID'] }, 'csv rows are sent with every column, by their names'],
      [{ useDisplayNames: true }, 'csv rows are sent with every column, by their names'],
      [{ dataType: analytics.DataType.DATA_TYPE_COMPANIES }, 'csv rows are sent for company_features only'],
    ])('csv with %j is INVALID_ARGUMENT', async (request, message) => {
      await expect(batches({ history: 'today' }, 0, { csv: true, ...request })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(message),
      });
    });

    it('a day range: the rows the history gives for those dates', async () => {
      const today = dayAgo(new Date(), 0);
      const from = dayAgo(new Date(), 9);
      const ranged = rowsOf(await batches({ fromDay: from, toDay: today }));
      expect(new Set(ranged.map((row) => row.Date)).size).toBe(10);
      const daily = rowsOf(await batches({ history: '30d-daily' }));
      expect(ranged).toEqual(daily.filter((row) => (row.Date as string) >= from));
    });

    it.each([
      [{ history: 'yearly' }, 'history must be one of'],
      [{ history: 'today', fromDay: '2026-03-01', toDay: '2026-03-04' }, 'give either history or from_day..to_day'],
      [{ fromDay: '2026-01-01', toDay: '2026-02-01' }, 'from_day..to_day is 32 days'],
      [{}, 'company_features needs either history or from_day and to_day'],
    ])('refuses %j with INVALID_ARGUMENT (%s)', async (fields, message) => {
      await expect(batches(fields)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(message),
      });
    });
  });
});

type Row = Record<string, unknown>;

/** A rows_json record back as the service's row (lists split), to compare cell for cell. */
function rowOf(record: Row): CompanyFeatureRow {
  const list = (text: unknown) => (text ? String(text).split(',') : []);
  return {
    companyId: record['Company ID'] as string,
    companyName: record['Company Name'] as string | null,
    featureName: record['Feature Name'] as string,
    featureId: record['Feature ID'] as string,
    date: record.Date as string,
    firstSeen: record['First Seen'] as string,
    lastSeen: record['Last Seen'] as string,
    firstUsed: record['First Used'] as string | null,
    lastUsed: record['Last Used'] as string | null,
    starsStateLabel: record['STARS State Label'] as string,
    starsState: record['STARS State'] as number,
    frequencyLabel: record['Frequency Label'] as string | null,
    frequency: record.Frequency as number | null,
    satisfactionLabel: record['Satisfaction Label'] as string | null,
    satisfaction: record.Satisfaction as number | null,
    feedbackCount: record['Feedback Count'] as number,
    segmentNames: list(record['Segment Names']),
    segmentIds: list(record['Segment IDs']),
  };
}
