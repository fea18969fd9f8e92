import { classifyAddress, refusalFor } from './address-policy';

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['100.64.0.1', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['224.0.0.1', 'multicast'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '100.128.0.1'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
    expect(refusalFor(address, false)).toBeUndefined();
  });

  it('refuses private addresses unless allowed, and metadata addresses always', () => {
    expect(refusalFor('127.0.0.1', false)).toBe('127.0.0.1 is a loopback address');
    expect(refusalFor('127.0.0.1', true)).toBeUndefined();
    expect(refusalFor('10.0.0.1', true)).toBeUndefined();
    expect(refusalFor('169.254.169.254', true)).toBe('169.254.169.254 is a cloud metadata address');
    expect(refusalFor('fd00:ec2::254', true)).toBe('fd00:ec2::254 is a cloud metadata address');
  });
});
