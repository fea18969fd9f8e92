import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP, LookupFunction } from 'node:net';
import { refusalFor } from './address-policy';

/** Whether outbound connections may reach loopback and private networks (development and tests only). */
export interface OutboundPolicy {
  allowPrivateNetworks: boolean;
}

/**
 * Names of cloud metadata services, refused whatever they resolve to: on the cloud they resolve to the
 * metadata address, which is refused anyway, but the name alone says enough.
 */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

export function metadataHostRefusal(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  return METADATA_HOSTS.has(name) ? `${name} is a cloud metadata host` : undefined;
}

/** The outcome of checking a host: allowed, refused by the policy, or not resolvable at all. */
export type HostCheck = { allowed: true } | { allowed: false; problem: 'refused' | 'unresolved'; message: string };

function resolvedRefusal(host: string, address: string, refusal: string): string {
  return `host ${host} resolves to ${refusal.replace(`${address} is`, `${address}, which is`)}`;
}

/** Resolves `host` (a name or an IP literal, without brackets) and says whether every address it has is allowed. */
export async function checkHost(host: string, policy: OutboundPolicy): Promise<HostCheck> {
  if (isIP(host)) {
    const refusal = refusalFor(host, policy.allowPrivateNetworks);
    return refusal ? { allowed: false, problem: 'refused', message: refusal } : { allowed: true };
  }
  const metadata = metadataHostRefusal(host);
  if (metadata) return { allowed: false, problem: 'refused', message: metadata };
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
      dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
    );
  } catch {
    return { allowed: false, problem: 'unresolved', message: `host ${host} does not resolve` };
  }
  for (const { address } of addresses) {
    const refusal = refusalFor(address, policy.allowPrivateNetworks);
    if (refusal) return { allowed: false, problem: 'refused', message: resolvedRefusal(host, address, refusal) };
  }
  return { allowed: true };
}

/** A connection the policy refused; `code` survives wrappers (HTTP clients) that keep the error's fields. */
export class AddressRefused extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

export function isAddressRefused(error: unknown): boolean {
  return error instanceof AddressRefused || (error as { code?: unknown } | undefined)?.code === 'EOUTBOUNDREFUSED';
}

/**
 * A DNS lookup that refuses a host when any address it resolves to is not allowed. Node connects to the
 * addresses this function returns, so the address connected to is the one checked (no DNS rebinding). IP
 * literals never reach a lookup: check them with `checkHost` before connecting.
 */
export function checkedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const metadata = metadataHostRefusal(hostname);
    if (metadata) return callback(new AddressRefused(metadata), '', 4);
    dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      for (const { address } of addresses) {
        const refusal = refusalFor(address, policy.allowPrivateNetworks);
        if (refusal) return callback(new AddressRefused(resolvedRefusal(hostname, address, refusal)), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new AddressRefused(`host ${hostname} has no address`), '', 4);
      callback(null, first.address, first.family);
    });
  };
}
