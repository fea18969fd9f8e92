import { randomBytes } from 'node:crypto';
import { parseEncryptionKey, SecretBox } from './secret-box';

describe(SecretBox.name, () => {
  const key = randomBytes(32);
  const sut = new SecretBox(key);

  it('opens what it sealed, and seals the same text differently each time', () => {
    const a = sut.seal('whsec_abc');
    const b = sut.seal('whsec_abc');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('whsec_abc');
    expect(sut.open(a)).toBe('whsec_abc');
    expect(sut.open(b)).toBe('whsec_abc');
  });

  it('refuses a tampered value and a value sealed with another key', () => {
    const sealed = sut.seal('secret');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] as string, 'base64');
    body[0] = (body[0] as number) ^ 1;
    parts[3] = body.toString('base64');
    expect(() => sut.open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => sut.open('plain text')).toThrow('not a sealed secret');
  });

  it('reads a base64 key of exactly 32 bytes', () => {
    expect(parseEncryptionKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow('32 bytes');
    expect(() => parseEncryptionKey('not base64!')).toThrow('base64');
  });
});
