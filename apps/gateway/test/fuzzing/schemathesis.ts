/** schemathesis against the gateway's own /openapi.json: the pieces the fuzzing specs share. */
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
export const OUTBOUND_TARGETS = [
  'POST /api/v1/webhooks',
  'PATCH /api/v1/webhooks/{id}',
  'POST /api/v1/destinations',
  'PATCH /api/v1/destinations/{id}',
  'POST /api/v1/export-schedules',
  'PATCH /api/v1/export-schedules/{id}',
  'PUT /api/v1/data-export/automatic',
];

export interface Operation {
  label: string;
  security: string[];
}

interface StRun {
  code: number | null;
  output: string;
}

export interface Fuzzing {
  platform: TestPlatform;
  app: CreatedApp;
  operations: Operation[];
  fuzz(security: string, authorization: string | undefined, options: FuzzOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface FuzzOptions {
  maxExamples: number;
  phases?: string;
  exclude?: string[];
}

/**
 * A platform with one app, its /openapi.json read, and `fuzz`: every response of the operations using one kind of
 * credential must be no 5xx, of a documented status and content type, and match its documented schema. Bounded
 * (few examples per operation, one seed), so a failure reproduces with the command in its message.
 */
export async function startFuzzing(): Promise<Fuzzing> {
  if (!existsSync(ST)) throw new Error(`${ST} is missing: run bash tools/python/install.sh`);
  const platform = await startTestPlatform();
  const app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Fuzzed app');
  const document = await requestJson(platform.gatewayUrl, 'GET', '/openapi.json');
  if (document.status !== 200) throw new Error(`GET /openapi.json answered ${document.status}`);
  const operations = operationsOf(document.body);
  const workDir = mkdtempSync(join(tmpdir(), 'exportd-fuzz-'));
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

  /** Runs st over the operations that `security` (an operationsOf() key) selects, with `authorization` sent. */
  const fuzz = async (
    security: string,
    authorization: string | undefined,
    { maxExamples, phases = 'examples,coverage,fuzzing', exclude = [] }: FuzzOptions,
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

  return {
    platform,
    app,
    operations,
    fuzz,
    async stop() {
      await platform.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

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
