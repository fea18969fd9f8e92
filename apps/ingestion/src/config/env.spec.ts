import { EnvValidationError, readEnv } from '@exportd/config';
import { ingestionEnvSchema } from './env';

describe('ingestion env', () => {
  const base = { INTERNAL_TOKEN: 'x'.repeat(16), MONGO_URL: 'mongodb://127.0.0.1:27017/exportd' };

  it('sweeps retention hourly by default, and at most every 100 ms', () => {
    expect(readEnv(ingestionEnvSchema, base).RETENTION_SWEEP_INTERVAL_MS).toBe(3_600_000);
    expect(readEnv(ingestionEnvSchema, { ...base, RETENTION_SWEEP_INTERVAL_MS: '100' }).RETENTION_SWEEP_INTERVAL_MS).toBe(100);
    expect(() => readEnv(ingestionEnvSchema, { ...base, RETENTION_SWEEP_INTERVAL_MS: '99' })).toThrow(EnvValidationError);
  });
});
