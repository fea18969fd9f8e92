import { decodeAttributes, escapeAttributeKey, unescapeAttributeKey } from './tracking-records';

describe('attribute keys', () => {
  it.each(['plain', 'a.b.c', '$set', 'x$y', '__proto__', '100%', '%2E literal', 'café.☕'])('%s round-trips', (key) => {
    const escaped = escapeAttributeKey(key);
    expect(escaped).not.toMatch(/^\$|\./);
    expect(unescapeAttributeKey(escaped)).toBe(key);
  });

  it('decodes stored attributes without touching prototypes', () => {
    const decoded = decodeAttributes({
      [escapeAttributeKey('__proto__')]: '{"polluted":true}',
      [escapeAttributeKey('a.b')]: '1',
    });
    expect(Object.keys(decoded)).toEqual(['__proto__', 'a.b']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
