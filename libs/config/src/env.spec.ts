import { env, EnvValidationError, readEnv } from './env';

describe(readEnv.name, () => {
  const schema = {
    PORT: env.int('port', 3000, 1, 65535),
    MONGO_URL: env.url('database', ['mongodb']),
    INTERNAL_TOKEN: env.secret('token', 16),
    DEBUG: env.bool('debug', false),
  };

  it('applies defaults and parses values', () => {
    const sut = readEnv(schema, { MONGO_URL: 'mongodb://localhost/x', INTERNAL_TOKEN: 'x'.repeat(16), DEBUG: 'true' });
    expect(sut).toEqual({ PORT: 3000, MONGO_URL: 'mongodb://localhost/x', INTERNAL_TOKEN: 'x'.repeat(16), DEBUG: true });
  });

  it('reports every bad variable at once, without echoing secrets', () => {
    let error: EnvValidationError | undefined;
    try {
      readEnv(schema, { PORT: '99999', MONGO_URL: 'http://nope', INTERNAL_TOKEN: 'short-secret', DEBUG: 'maybe' });
    } catch (e) {
      error = e as EnvValidationError;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    expect(error?.problems).toHaveLength(4);
    expect(error?.message).toContain('PORT');
    expect(error?.message).toContain('MONGO_URL');
    expect(error?.message).toContain('INTERNAL_TOKEN');
    expect(error?.message).toContain('DEBUG');
    expect(error?.message).not.toContain('short-secret');
  });

  it('names required variables that are missing', () => {
    expect(() => readEnv(schema, {})).toThrow(/MONGO_URL is required[\s\S]*INTERNAL_TOKEN is required/);
  });
});
