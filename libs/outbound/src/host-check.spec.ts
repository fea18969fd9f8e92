import { lookup } from 'node:dns';
import { checkedLookup, checkHost, isAddressRefused } from './host-check';

describe(checkHost.name, () => {
  it('refuses a name that resolves to a loopback address unless private networks are allowed', async () => {
    expect(await checkHost('localhost', { allowPrivateNetworks: false })).toEqual({
      allowed: false,
      problem: 'refused',
      message: expect.stringMatching(/^host localhost resolves to \S+, which is a loopback address$/) as string,
    });
    expect(await checkHost('localhost', { allowPrivateNetworks: true })).toEqual({ allowed: true });
  });

  it('refuses cloud metadata addresses and host names even where private networks are allowed', async () => {
    const open = { allowPrivateNetworks: true };
    expect(await checkHost('169.254.169.254', open)).toMatchObject({ message: '169.254.169.254 is a cloud metadata address' });
    expect(await checkHost('fd00:ec2::254', open)).toMatchObject({ problem: 'refused' });
    expect(await checkHost('metadata.google.internal.', open)).toMatchObject({
      message: 'metadata.google.internal is a cloud metadata host',
    });
  });

  it('tells a host that does not resolve from a refused one', async () => {
    expect(await checkHost('no-such-host.invalid', { allowPrivateNetworks: true })).toEqual({
      allowed: false,
      problem: 'unresolved',
      message: 'host no-such-host.invalid does not resolve',
    });
  });
});

describe(checkedLookup.name, () => {
  const resolve = (policy: { allowPrivateNetworks: boolean }, host: string) =>
    new Promise<unknown>((done) => checkedLookup(policy)(host, {}, (error, address) => done(error ?? address)));

  it('answers the checked address, or an error the policy refused', async () => {
    const expected = await new Promise<string>((done) => lookup('localhost', (_e, address) => done(address)));
    expect(await resolve({ allowPrivateNetworks: true }, 'localhost')).toBe(expected);
    const refused = await resolve({ allowPrivateNetworks: false }, 'localhost');
    expect(isAddressRefused(refused)).toBe(true);
    expect(isAddressRefused(await resolve({ allowPrivateNetworks: true }, 'metadata.google.internal'))).toBe(true);
  });
});
