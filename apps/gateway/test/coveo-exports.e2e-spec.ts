import {
  companyProfile,
  createApp,
  CreatedApp,
  eventually,
  insertRawRecords,
  REPO_ROOT,
  requestJson,
  startTestPlatform,
  TestPlatform,
  trackingCall,
  userProfile,
} from '@exportd/testing';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Query = Record<string, string | string[]>;
type Dialect = 'EXCEL' | 'NO_NEWLINE';

/**
 * The Python sample client of Coveo's "Create and retrieve data exports" page (docs.coveo.com/en/2849), word
 * for word, with its line breaks and indentation restored (the copy the project was given holds it on one line,
 * which Python cannot run). Kept in the repository, so the test needs nothing outside it.
 */
const SAMPLE_CLIENT = join(__dirname, 'fixtures', 'coveo-sample-client.py');
const PYTHON = join(REPO_ROOT, '.tools', 'python-venv', 'bin', 'python');

const FROM = '2024-06-10T10:00:00.000Z';
const TO = '2024-06-11T10:00:00.500Z';
const NOTE = 'say "hi", C:\\temp\nline2\r\nend';
const FORMULA = '=HYPERLINK("http://x")';

/** Records of an RFC 4180 (EXCEL) or NO_NEWLINE CSV, each a list of fields, escapes undone. */
function parseCsv(text: string, dialect: Dialect): string[][] {
  const end = dialect === 'EXCEL' ? '\r\n' : '\n';
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; ) {
    const char = text[i] as string;
    if (quoted) {
      if (dialect === 'NO_NEWLINE' && char === '\\') {
        const next = text[i + 1] as string;
        field += next === 'n' ? '\n' : next === 'r' ? '\r' : next;
        i += 2;
      } else if (char === '"' && dialect === 'EXCEL' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (char === '"') {
        quoted = false;
        i++;
      } else {
        field += char;
        i++;
      }
    } else if (char === '"') {
      quoted = true;
      i++;
    } else if (char === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (text.startsWith(end, i)) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += end.length;
    } else {
      field += char;
      i++;
    }
  }
  return records;
}

/** One column of a table's records (by header name), sorted. */
function column(records: string[][], name: string): string[] {
  const [header, ...rows] = records;
  const index = (header ?? []).indexOf(name);
  if (index < 0) throw new Error(`no column ${name} in ${String(header)}`);
  return rows.map((row) => row[index] as string).sort();
}

/** A zip's entries as text, by name (Python's zipfile extracts it: the platform has no unzip library). */
function unzip(zip: Buffer): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'coveo-zip-'));
  writeFileSync(join(dir, 'export.zip'), zip);
  execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, 'export.zip'), join(dir, 'out')]);
  return readTables(join(dir, 'out'));
}

function readTables(dir: string): Record<string, string> {
  const names = readdirSync(dir).filter((name) => name.endsWith('.csv'));
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) for (const item of [value].flat()) params.append(name, item);
  return params.toString();
}

describe('Coveo-compatible exports API (seed 004)', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let other: CreatedApp;
  let viewOnlyKey: string;

  const call = (method: string, path: string, query: Query = {}, token = app.apiKey) =>
    requestJson(platform.gatewayUrl, method, `/rest/ua/v15/exports${path}?${queryString(query)}`, { token });

  const create = async (query: Query): Promise<Json> => {
    const created = await call('POST', '', { from: FROM, to: TO, ...query });
    expect(created.status).toBe(201);
    return created.body as Json;
  };

  const waitAvailable = (id: string): Promise<Json> =>
    eventually(
      async () => {
        const { body } = await call('GET', `/${id}`);
        if (body?.status === 'FAILED') throw new Error(`export ${id} failed: ${body.error}`);
        return body?.status === 'AVAILABLE' ? (body as Json) : undefined;
      },
      60_000,
      `export ${id} to be AVAILABLE`,
    );

  /** Follows downloadLink by hand: a 303 to the presigned link, then the zip's tables. */
  const download = async (link: string, token = app.apiKey): Promise<Record<string, string>> => {
    const redirect = await fetch(link, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    expect(redirect.status).toBe(303);
    const zip = await fetch(redirect.headers.get('location') as string);
    expect(zip.status).toBe(200);
    return unzip(Buffer.from(await zip.arrayBuffer()));
  };

  const exportTables = async (query: Query): Promise<Record<string, string>> => {
    const created = await create(query);
    return download((await waitAvailable(created.id)).downloadLink);
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '50' });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Coveo exports');
    other = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Other');
    const key = await requestJson<{ key: string }>(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    viewOnlyKey = key.body.key;
    const event = (messageId: string, timestamp: string, userId: string, name: string, attributes: Json) =>
      trackingCall(app.id, { messageId, timestamp, userId, event: name, attributes });
    await insertRawRecords(platform.mongoUrl, {
      calls: [
        event('m_before', '2024-06-10T09:59:59.999Z', 'u_pro', 'Opened report', { plan: 'pro' }),
        event('m_start', '2024-06-10T10:00:00.000Z', 'u_pro', 'Opened report', { plan: 'pro' }),
        event('m_midnight', '2024-06-11T00:00:00.000Z', 'u_free', 'Opened report', { plan: 'free' }),
        event('m_tricky', '2024-06-11T09:00:00.000Z', 'u_pro', 'Exported', { plan: 'pro', note: NOTE, formula: FORMULA }),
        event('m_last', '2024-06-11T10:00:00.499Z', 'u_pro', 'Opened report', { plan: 'enterprise' }),
        event('m_end', '2024-06-11T10:00:00.500Z', 'u_pro', 'Opened report', { plan: 'pro' }),
        trackingCall(app.id, {
          type: 'feedback',
          messageId: 'f_in',
          timestamp: '2024-06-10T12:00:00.000Z',
          userId: 'u_pro',
          featureId: 'reports',
          score: 4,
          comment: 'fine',
        }),
        trackingCall(app.id, {
          type: 'feedback',
          messageId: 'f_out',
          timestamp: '2024-06-12T12:00:00.000Z',
          userId: 'u_pro',
          score: 1,
        }),
        trackingCall(other.id, {
          messageId: 'm_other',
          timestamp: '2024-06-10T12:00:00.000Z',
          userId: 'u_x',
          event: 'Opened report',
        }),
      ],
      users: [
        userProfile(app.id, 'u_pro', new Date('2024-06-10T11:00:00Z'), { plan: 'pro' }),
        userProfile(app.id, 'u_free', new Date('2024-06-10T23:00:00Z'), { plan: 'free' }),
        userProfile(app.id, 'u_gone', new Date('2024-06-01T00:00:00Z'), { plan: 'pro' }),
        userProfile(app.id, 'u_new', new Date('2024-06-12T00:00:00Z'), { plan: 'pro' }),
      ],
      companies: [
        companyProfile(app.id, 'c_in', new Date('2024-06-10T15:00:00Z')),
        companyProfile(app.id, 'c_out', new Date('2024-05-01T00:00:00Z')),
      ],
    });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** The rows every table of an export of [FROM, TO) without filters holds. */
  const expectWindowRows = (tables: Record<string, string>, dialect: Dialect) => {
    expect(Object.keys(tables).sort()).toEqual([
      'companies.csv',
      'company_features.csv',
      'events.csv',
      'feedback.csv',
      'users.csv',
    ]);
    const records = (name: string) => parseCsv(tables[name] as string, dialect);
    expect(column(records('events.csv'), 'message_id')).toEqual(['m_last', 'm_midnight', 'm_start', 'm_tricky']);
    expect(column(records('users.csv'), 'user_id')).toEqual(['u_free', 'u_pro']);
    expect(column(records('companies.csv'), 'company_id')).toEqual(['c_in']);
    expect(column(records('feedback.csv'), 'message_id')).toEqual(['f_in']);
    // No feature is defined: no company-by-feature row.
    expect(records('company_features.csv').slice(1)).toEqual([]);
  };

  it('POST -> 201 with the seed body; a range with millisecond edges holds exactly the rows in [from, to)', async () => {
    const created = await create({ tables: 'custom_events', dimensions: 'message_id', filename: 'june', d: 'Edges' });
    expect(created).toMatchObject({
      author: expect.any(String),
      downloadLink: `${platform.gatewayUrl}/rest/ua/v15/exports/${created.id}?redirect=true`,
      from: Date.parse(FROM),
      to: Date.parse(TO),
      filters: {},
      description: 'Edges',
      status: 'PENDING',
      tables: ['custom_events'],
      downloadable: true,
      dimensions: ['message_id'],
      replayable: false,
      usingDisplayNames: false,
      scheduleId: null,
    });
    expect(created.startDate).toEqual(expect.any(Number));
    const available = await waitAvailable(created.id);
    expect(available.size).toBeGreaterThan(0);
    expect(available.filename).toBe('june.zip');
    const tables = await download(available.downloadLink);
    expect(Object.keys(tables)).toEqual(['custom_events.csv']);
    const records = parseCsv(tables['custom_events.csv'] as string, 'EXCEL');
    expect(records[0]).toEqual(['message_id']);
    expect(column(records, 'message_id')).toEqual(['m_last', 'm_midnight', 'm_start', 'm_tricky']);
  });

  it('without tables exports every table; the estimate equals the rows in the files', async () => {
    const tables = await exportTables({});
    expectWindowRows(tables, 'EXCEL');
    const estimate = await call('GET', '/estimate', { from: FROM, to: TO });
    expect(estimate.status).toBe(200);
    const rows = (name: string) => parseCsv(tables[`${name}.csv`] as string, 'EXCEL').slice(1).length;
    expect(estimate.body).toEqual({
      estimates: {
        events: rows('events'),
        users: rows('users'),
        companies: rows('companies'),
        feedback: rows('feedback'),
        company_features: 0,
      },
    });
    expect(estimate.body.estimates.events).toBe(4);
  });

  it('f with a named filter applies to every table, fc to events only', async () => {
    const named = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/filters', {
      token: app.apiKey,
      body: { name: 'PRO_PLAN', filter: "attributes.plan == 'pro'" },
    });
    expect(named.status).toBe(201);
    const query = {
      tables: ['events', 'users'],
      dimensions: ['message_id', 'user_id'],
      f: '$PRO_PLAN',
      fc: "event_name == 'Opened report'",
    };
    const created = await create(query);
    expect(created.filters).toEqual({ f: '$PRO_PLAN', fc: "event_name == 'Opened report'" });
    const tables = await download((await waitAvailable(created.id)).downloadLink);
    expect(tables).toEqual({ 'events.csv': 'message_id,user_id\r\nm_start,u_pro\r\n', 'users.csv': 'user_id\r\nu_pro\r\n' });
    expect((await call('GET', '/estimate', { from: FROM, to: TO, ...query })).body).toEqual({
      estimates: { events: 1, users: 1 },
    });
  });

  it('dimensions pick and order the columns, useDisplayNames names them; an unknown one is a 400 naming it', async () => {
    const tables = await exportTables({
      tables: 'events',
      dimensions: ['user_id', 'event_name', 'attributes.plan'],
      useDisplayNames: 'true',
      fc: "message_id == 'm_start'",
    });
    expect(tables).toEqual({ 'events.csv': 'User ID,Event Name,plan\r\nu_pro,Opened report,pro\r\n' });
    const refused = await call('POST', '', { from: FROM, to: TO, dimensions: ['user_id', 'no_such_column'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('no_such_column');
  });

  it('EXCEL doubles quotes; NO_NEWLINE escapes quotes and backslashes and keeps each record on one line; formulas are neutralised in both', async () => {
    const query = {
      tables: 'events',
      dimensions: ['message_id', 'attributes.note', 'attributes.formula'],
      fc: "event_name == 'Exported'",
    };
    const excel = await exportTables(query);
    expect(excel['events.csv']).toBe(
      'message_id,attributes.note,attributes.formula\r\n' +
        `m_tricky,"say ""hi"", C:\\temp\nline2\r\nend","'=HYPERLINK(""http://x"")"\r\n`,
    );
    const noNewline = (await exportTables({ ...query, format: 'NO_NEWLINE' }))['events.csv'] as string;
    expect(noNewline).toBe(
      'message_id,attributes.note,attributes.formula\n' +
        `m_tricky,"say \\"hi\\", C:\\\\temp\\nline2\\r\\nend","'=HYPERLINK(\\"http://x\\")"\n`,
    );
    expect(noNewline).not.toContain('\r');
    expect(parseCsv(noNewline, 'NO_NEWLINE')).toEqual([
      ['message_id', 'attributes.note', 'attributes.formula'],
      ['m_tricky', NOTE, `'${FORMULA}`],
    ]);
  });

  it('a View-only key cannot create or delete (403) but reads, lists, estimates and downloads', async () => {
    expect((await call('POST', '', { from: FROM, to: TO }, viewOnlyKey)).status).toBe(403);
    const created = await create({ tables: 'companies', dimensions: 'company_id' });
    await waitAvailable(created.id);
    expect((await call('DELETE', `/${created.id}`, {}, viewOnlyKey)).status).toBe(403);
    const read = await call('GET', `/${created.id}`, { redirect: 'false' }, viewOnlyKey);
    expect(read.body).toMatchObject({ id: created.id, status: 'AVAILABLE' });
    const listed = await call('GET', '', {}, viewOnlyKey);
    expect(listed.body.exports.map((e: Json) => e.id)).toContain(created.id);
    expect((await call('GET', '/estimate', { from: FROM, to: TO, tables: 'companies' }, viewOnlyKey)).body).toEqual({
      estimates: { companies: 1 },
    });
    expect(await download(read.body.downloadLink, viewOnlyKey)).toEqual({ 'companies.csv': 'company_id\r\nc_in\r\n' });
  });

  it('refuses the seed search tables, fs, a missing or reversed range and an unknown format (400)', async () => {
    const refused = async (query: Query) => {
      const res = await call('POST', '', query);
      expect(res.status).toBe(400);
      return res.body.error.message as string;
    };
    expect(await refused({ from: FROM, to: TO, tables: ['events', 'searches'] })).toContain('this platform has no searches data');
    expect(await refused({ from: FROM, to: TO, fs: "searchcausev2=='resultsSort'" })).toContain('search and click dimensions');
    expect(await refused({ to: TO })).toContain('from is required');
    expect(await refused({ from: TO, to: FROM })).toContain('to must be after from');
    expect(await refused({ from: '2024-06-10', to: TO })).toContain('YYYY-MM-DDThh:mm:ss.sssZ');
    expect(await refused({ from: FROM, to: TO, format: 'JSON' })).toContain('EXCEL or NO_NEWLINE');
    expect((await call('GET', '/estimate', { from: FROM, to: TO, tables: 'clicks' })).status).toBe(400);
  });

  it('DELETE removes an export and its file: then 404, link and file gone', async () => {
    const created = await create({ tables: 'users', dimensions: 'user_id' });
    await waitAvailable(created.id);
    const redirect = await fetch(created.downloadLink, {
      headers: { authorization: `Bearer ${app.apiKey}` },
      redirect: 'manual',
    });
    const fileUrl = redirect.headers.get('location') as string;
    expect((await fetch(fileUrl)).status).toBe(200);
    expect((await call('DELETE', `/${created.id}`)).status).toBe(204);
    expect((await call('GET', `/${created.id}`)).status).toBe(404);
    expect((await call('GET', `/${created.id}`, { redirect: 'true' })).status).toBe(404);
    expect((await fetch(fileUrl)).status).toBe(404);
    expect((await call('GET', '')).body.exports.map((e: Json) => e.id)).not.toContain(created.id);
    expect((await call('DELETE', `/${created.id}`)).status).toBe(404);
  });

  it("another app's org or key finds nothing (404); another API's job is a 404 here", async () => {
    const created = await create({ tables: 'users', dimensions: 'user_id' });
    expect((await call('GET', `/${created.id}`, { org: other.id })).status).toBe(404);
    expect((await call('POST', '', { from: FROM, to: TO, org: other.id })).status).toBe(404);
    expect((await call('GET', `/${created.id}`, {}, other.apiKey)).status).toBe(404);
    expect((await call('GET', `/${created.id}`, { org: app.id })).status).toBe(200);
    const onDemand = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: { startDate: '2024-06-10', endDate: '2024-06-11', dataTypes: ['users'], format: 'csv' },
    });
    expect(onDemand.status).toBe(202);
    expect((await call('GET', `/${onDemand.body.id}`)).status).toBe(404);
    expect((await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${created.id}`, { token: app.apiKey })).status).toBe(
      404,
    );
  });

  describe("the seed's Python sample client", () => {
    /**
     * The client as the seed has it, but for its base URL, token and dates, and without its last call,
     * join_tables(), which reads Coveo's search tables. The format rides in the create URL's query
     * (requests adds the client's own parameters to it), since create_export has no format parameter.
     */
    const clientScript = (format: Dialect): string => {
      let source = readFileSync(SAMPLE_CLIENT, 'utf8');
      const replace = (from: string, to: string) => {
        expect(source.split(from)).toHaveLength(2);
        source = source.replace(from, to);
      };
      const base = `${platform.gatewayUrl}/rest/ua/v15/exports`;
      replace('url = "https://platform.cloud.coveo.com/rest/ua/v15/exports"', `url = "${base}?format=${format}"`);
      replace('"https://platform.cloud.coveo.com/rest/ua/v15/exports/%s"', `"${base}/%s"`);
      replace('token = "**********-****-****-****-***********"', `token = "${app.apiKey}"`);
      replace('from_date = "2018-06-01T05:00:00.000Z"', `from_date = "${FROM}"`);
      replace('to_date = "2019-03-01T04:59:59.999Z"', `to_date = "${TO}"`);
      replace('\n\n    join_tables()\n', '\n');
      return source;
    };

    it.each<Dialect>(['EXCEL', 'NO_NEWLINE'])(
      'creates, polls with back-off until AVAILABLE, follows the redirect and extracts the zip (%s)',
      async (format) => {
        expect(existsSync(PYTHON)).toBe(true); // tools/python/install.sh, run by tools/test/run-all.sh
        const dir = mkdtempSync(join(tmpdir(), 'coveo-client-'));
        writeFileSync(join(dir, 'client.py'), clientScript(format));
        const { stdout } = await promisify(execFile)(PYTHON, ['client.py'], { cwd: dir, timeout: 60_000 });
        expect(stdout).toContain('Export complete');
        const tables = readTables(dir);
        expectWindowRows(tables, format);
        if (format === 'NO_NEWLINE') for (const text of Object.values(tables)) expect(text).not.toContain('\r');
      },
      90_000,
    );
  });
});
