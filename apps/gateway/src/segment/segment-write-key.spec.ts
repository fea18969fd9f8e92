import { writeKeyOf } from './segment-write-key';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe(writeKeyOf.name, () => {
  it('reads the key from Basic auth, user name and empty password (as @segment/analytics-node sends it)', () => {
    expect(writeKeyOf(basic('abc123:'), undefined)).toBe('abc123');
    expect(writeKeyOf('Basic YWJjMTIzOg==', {})).toBe('abc123');
  });

  it('accepts a key encoded without the colon, and a password it ignores', () => {
    expect(writeKeyOf(basic('abc123'), undefined)).toBe('abc123');
    expect(writeKeyOf(basic('abc123:secret'), undefined)).toBe('abc123');
  });

  it('reads writeKey from the body when the header names no key; the header wins otherwise', () => {
    expect(writeKeyOf(undefined, { writeKey: 'from-body' })).toBe('from-body');
    expect(writeKeyOf('Bearer oauth-token', { writeKey: 'from-body' })).toBe('from-body');
    expect(writeKeyOf(basic(':'), { writeKey: 'from-body' })).toBe('from-body');
    expect(writeKeyOf(basic('from-header:'), { writeKey: 'from-body' })).toBe('from-header');
  });

  it('is undefined without a key', () => {
    expect(writeKeyOf(undefined, undefined)).toBeUndefined();
    expect(writeKeyOf(undefined, { writeKey: '' })).toBeUndefined();
    expect(writeKeyOf(undefined, { writeKey: 42 })).toBeUndefined();
    expect(writeKeyOf(undefined, [{ writeKey: 'k' }])).toBeUndefined();
    expect(writeKeyOf('Basic', undefined)).toBeUndefined();
  });
});
