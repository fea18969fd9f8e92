import { BlockList, isIP } from 'node:net';

/** Why an address may not be reached by an outbound connection (webhooks, customer storage). */
export type AddressCategory =
  | 'cloud metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'CGNAT'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

const METADATA = new BlockList();
METADATA.addAddress('169.254.169.254', 'ipv4');
METADATA.addAddress('fd00:ec2::254', 'ipv6');

const RANGES: [AddressCategory, BlockList][] = [];
function range(category: AddressCategory, subnets: [string, number, 'ipv4' | 'ipv6'][]): void {
  const list = new BlockList();
  for (const [net, prefix, family] of subnets) list.addSubnet(net, prefix, family);
  RANGES.push([category, list]);
}
range('unspecified', [
  ['0.0.0.0', 8, 'ipv4'],
  ['::', 128, 'ipv6'],
]);
range('loopback', [
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
range('private', [
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
]);
range('link-local', [
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
range('unique-local', [['fc00::', 7, 'ipv6']]);
range('CGNAT', [['100.64.0.0', 10, 'ipv4']]);
range('multicast', [
  ['224.0.0.0', 4, 'ipv4'],
  ['ff00::', 8, 'ipv6'],
]);
range('reserved', [
  ['240.0.0.0', 4, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
]);

/** `::ffff:a.b.c.d` (IPv4-mapped IPv6) is checked as the IPv4 address it stands for. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return { address: bare, family: 'ipv4' };
  if (version !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1] as string, family: 'ipv4' };
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mappedHex) {
    const hi = parseInt(mappedHex[1] as string, 16);
    const lo = parseInt(mappedHex[2] as string, 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 'ipv4' };
  }
  return { address: bare, family: 'ipv6' };
}

/** The category that makes `address` special (not a public unicast address), or undefined when it is public. */
export function classifyAddress(address: string): AddressCategory | undefined {
  const ip = normalise(address);
  if (!ip) return 'reserved';
  if (METADATA.check(ip.address, ip.family)) return 'cloud metadata';
  for (const [category, list] of RANGES) if (list.check(ip.address, ip.family)) return category;
  return undefined;
}

/**
 * Whether an outbound connection may reach `address`: cloud metadata addresses never; other special addresses only
 * when private networks are allowed. Returns the refusal reason, or undefined when allowed.
 */
export function refusalFor(address: string, allowPrivateNetworks: boolean): string | undefined {
  const category = classifyAddress(address);
  if (category === undefined) return undefined;
  if (category === 'cloud metadata') return `${address} is a cloud metadata address`;
  if (allowPrivateNetworks) return undefined;
  return `${address} is a ${category} address`;
}
