import { requestJson } from '@exportd/testing';
import { Fuzzing, OUTBOUND_TARGETS, startFuzzing } from './fuzzing/schemathesis';

/**
 * schemathesis against /openapi.json with an app's API key, sent both ways the document defines (the other
 * credentials: api-fuzzing-public.e2e-spec.ts, a file of its own so the two run side by side).
 */
describe('API fuzzing with an app API key (schemathesis against /openapi.json)', () => {
  let fuzzing: Fuzzing;

  beforeAll(async () => {
    fuzzing = await startFuzzing();
  }, 120_000);

  afterAll(async () => {
    await fuzzing?.stop();
  });

  it('`Bearer` (an app API key): the export APIs and settings', async () => {
    await fuzzing.fuzz('Bearer,Token', `Bearer ${fuzzing.app.apiKey}`, { maxExamples: 3, exclude: OUTBOUND_TARGETS });
  }, 480_000);

  // The same handlers behind the same guard: the coverage phase's boundary values do not depend on how the key
  // is sent, and the Bearer run has them.
  it('`Token` (the Bulk Data Export API form of the key): the same operations', async () => {
    await fuzzing.fuzz('Bearer,Token', `Token ${fuzzing.app.apiKey}`, {
      maxExamples: 5,
      phases: 'examples,fuzzing',
      exclude: OUTBOUND_TARGETS,
    });
  }, 480_000);

  // What fuzzing found on two of them, checked here with bodies that are refused before anything is stored.
  it('export schedules: a missing delivery and a null frequency are 400s naming the field', async () => {
    const { platform, app } = fuzzing;
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
});
