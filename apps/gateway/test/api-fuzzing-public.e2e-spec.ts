import { Fuzzing, OUTBOUND_TARGETS, startFuzzing } from './fuzzing/schemathesis';

/**
 * schemathesis against /openapi.json with no credential, the Segment write key and the operator token (an app
 * API key: api-fuzzing.e2e-spec.ts).
 */
describe('API fuzzing without an API key (schemathesis against /openapi.json)', () => {
  let fuzzing: Fuzzing;

  beforeAll(async () => {
    fuzzing = await startFuzzing();
  }, 120_000);

  afterAll(async () => {
    await fuzzing?.stop();
  });

  it('every operation of the document is fuzzed by one of the runs of the two files', () => {
    const runs = ['', 'Basic', 'Bearer,Token', 'admin'];
    const { operations } = fuzzing;
    expect(operations.filter((op) => !runs.includes(op.security.join(','))).map((op) => op.label)).toEqual([]);
    const labels = operations.map((op) => op.label);
    expect(OUTBOUND_TARGETS.filter((label) => !labels.includes(label))).toEqual([]);
  });

  it('no credential: the Tracking API, health and the documented SDK 404s', async () => {
    await fuzzing.fuzz('', undefined, { maxExamples: 3 });
  }, 240_000);

  it("`Basic` (the Segment write key): Segment's HTTP Tracking API", async () => {
    const writeKey = Buffer.from(`${fuzzing.app.trackingKey}:`).toString('base64');
    await fuzzing.fuzz('Basic', `Basic ${writeKey}`, { maxExamples: 5 });
  }, 240_000);

  // Last: the admin API revokes keys, and a key of this app revoked by a generated request would turn the runs
  // above into 401s.
  it('`admin` (the operator token): the admin API', async () => {
    await fuzzing.fuzz('admin', `Bearer ${fuzzing.platform.adminToken}`, { maxExamples: 5 });
  }, 240_000);
});
