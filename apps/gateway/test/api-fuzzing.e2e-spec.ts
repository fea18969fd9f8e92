import { createApp, CreatedApp, REPO_ROOT, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Installed by tools/python/install.sh. */
const ST = join(REPO_ROOT, '.tools/schemathesis-venv/bin/st');

const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

/**
 * Operations whose bodies name a URL or host the platform then connects to (webhook endpoints, customer
 * storage, schedule deliveries): generated values would send the services' traffic to whatever address the
 * generator wrote, and this test's traffic stays on 127.0.0.1. Their validation is covered by their own specs.
 */
const OUTBOUND_TARGETS = [
  'POST /api/v1/webhooks',
  'PATCH /api/v1/webhooks/{id}',
  'POST /api/v1/destinations',
  'PATCH /api/v1/destinations/{id}',
  'POST /api/v1/export-schedules',
  'PATCH /api/v1/export-schedules/{id}',
  'PUT /api/v1/data-export/automatic',
];

interface Operation {
  label: string;
  security: string[];
}

interface StRun {
  code: number | null;
  output: string;
}

/**
 * schemathesis against the gateway's own /openapi.json, once per kind of credential its securitySchemes define
 * (and none): every response of the operations using that credential must be no 5xx, of a documented status and
 * content type, and match its documented schema. Bounded (few examples per operation, one seed), so a failure
 * reproduces with the command in its message.
 */
describe('API fuzzing (schemathesis against /openapi.json)', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let operations: Operation[];
  let workDir: string;

  beforeAll(async () => {
    if (!existsSync(ST)) throw new Error(`${ST} is missing: run bash tools/python/install.sh`);
    platform = await startTestPlatform();
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Fuzzed app');
    const document = await requestJson(platform.gatewayUrl, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    operations = operationsOf(document.body);
    workDir = mkdtempSync(join(tmpdir(), 'exportd-fuzz-'));
    // The tracking key in the path: a random one only ever reaches the 401.
    writeFileSync(
      join(workDir, 'schemathesis.toml'),
      [
        '[parameters]',
        `"path.trackingKey" = "${app.trackingKey}"`,
        '',
        // Methods the gateway has no route for only ever answer the router's 404.
        '[phases.coverage]',
        'unexpected-methods = []',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs st over the operations that `security` (an operationsOf() key) selects, with `authorization` sent. */
  const fuzz = async (
    security: string,
    authorization: string | undefined,
    {
      maxExamples,
      phases = 'examples,coverage,fuzzing',
      exclude = [],
    }: { maxExamples: number; phases?: string; exclude?: string[] },
  ) => {
    const selected = operations.filter((op) => op.security.join(',') === security && !exclude.includes(op.label));
    expect(selected.length).toBeGreaterThan(0);
    const args = [
      '--config-file',
      join(workDir, 'schemathesis.toml'),
      'run',
      `${platform.gatewayUrl}/openapi.json`,
      ...(authorization ? ['-H', `Authorization: ${authorization}`] : []),
      ...selected.flatMap((op) => ['--include-name', op.label]),
      '--checks',
      CHECKS.join(','),
      // Not the stateful phase: its sequences run for as long as their budget, the others are bounded by count.
      '--phases',
      phases,
      '--max-examples',
      String(maxExamples),
      '--seed',
      '20261203',
      '--generation-database',
      'none',
      '--request-timeout',
      '30',
      '--workers',
      '1',
      '--max-failures',
      '10',
      '--no-color',
    ];
    const run = await st(args, workDir);
    if (run.code !== 0) {
      throw new Error(`schemathesis found problems (exit ${run.code}):\n${failureReport(run.output)}`);
    }
    expect(run.output).toMatch(new RegExp(`Tested: ${selected.length}\\b`));
  };

  it('every operation of the document is fuzzed by one of the runs below', () => {
    const runs = ['', 'Basic', 'Bearer,Token', 'admin'];
    expect(operations.filter((op) => !runs.includes(op.security.join(','))).map((op) => op.label)).toEqual([]);
    const labels = operations.map((op) => op.label);
    expect(OUTBOUND_TARGETS.filter((label) => !labels.includes(label))).toEqual([]);
  });

  it('no credential: the Tracking API, health and the documented SDK 404s', async () => {
    await fuzz('', undefined, { maxExamples: 3 });
  }, 240_000);

  it("`Basic` (the Segment write key): Segment's HTTP Tracking API", async () => {
    await fuzz('Basic', `Basic ${Buffer.from(`${app.trackingKey}:`).toString('base64')}`, { maxExamples: 5 });
  }, 240_000);

  it('`Bearer` (an app API key): the export APIs and settings', async () => {
    await fuzz('Bearer,Token', `Bearer ${app.apiKey}`, { maxExamples: 3, exclude: OUTBOUND_TARGETS });
  }, 480_000);

  // The same handlers behind the same guard: the coverage phase's boundary values do not depend on how the key
  // is sent, and the Bearer run has them.
  it('`Token` (the Bulk Data Export API form of the key): the same operations', async () => {
    await fuzz('Bearer,Token', `Token ${app.apiKey}`, { maxExamples: 5, phases: 'examples,fuzzing', exclude: OUTBOUND_TARGETS });
  }, 480_000);

  // What fuzzing found on two of them, checked here with bodies that are refused before anything is stored.
  it('export schedules: a missing delivery and a null frequency are 400s naming the field', async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/export-schedules', {
      token: app.apiKey,
      body: { frequency: 'daily', dataTypes: ['events'], format: 'jsonl' },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^delivery: /);
    const patched = await requestJson(platform.gatewayUrl, 'PATCH', '/api/v1/export-schedules/sch_unknown', {
      token: app.apiKey,
      body: { frequency: null },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toMatch(/^frequency: /);
  });

  // Last: the admin API revokes keys, and a key of this app revoked by a generated request would turn the runs
  // above into 401s.
  it('`admin` (the operator token): the admin API', async () => {
    await fuzz('admin', `Bearer ${platform.adminToken}`, { maxExamples: 5 });
  }, 240_000);
});

/** Every operation of the document with the security schemes it accepts (empty: none). */
function operationsOf(document: unknown): Operation[] {
  const paths = (document as { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> }).paths;
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, op]) => ({
        label: `${method.toUpperCase()} ${path}`,
        security: (op.security ?? []).flatMap((requirement) => Object.keys(requirement)),
      })),
  );
}

function st(args: string[], cwd: string): Promise<StRun> {
  return new Promise((resolve) => {
    execFile(ST, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** The failures (operation, check, response, curl reproduction) and the summary; the whole output otherwise. */
function failureReport(output: string): string {
  const start = output.search(/^=+ (FAILURES|ERRORS) =+$/m);
  const report = start >= 0 ? output.slice(start) : output;
  return report.length > 30_000 ? `${report.slice(0, 30_000)}\n[...]` : report;
}
