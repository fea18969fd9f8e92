import { OutboundPolicy } from '@exportd/outbound';
import { isIP } from 'node:net';
import { DestinationInvalid, InvalidDestinationInput } from './destinations.errors';

export const DESTINATION_PROVIDERS = ['aws', 'gcp', 'custom'] as const;
export type DestinationProvider = (typeof DESTINATION_PROVIDERS)[number];

/** Where a destination writes: what the check lists and the writer writes to. */
export interface DestinationLocation {
  provider: DestinationProvider;
  bucket: string;
  region: string;
  /** The prefix objects go under, without leading or trailing slash; '' for the bucket's root. */
  key: string;
  /** The S3 endpoint, `scheme://host[:port]` (for aws and gcp the provider's own). */
  endpoint: string;
}

/** The location part of what a caller gives (see DestinationInput). */
export interface LocationInput {
  provider: DestinationProvider;
  url?: string;
  bucket?: string;
  region?: string;
  key?: string;
  endpoint?: string;
}

export const AWS_URL_FORM = 'https://<bucket>.s3.<region>.amazonaws.com[/key]';
/** Google Cloud Storage's S3 interoperability endpoint (HMAC keys, SigV4). */
export const GCP_ENDPOINT = 'https://storage.googleapis.com';
/** GCS signs SigV4 with region "auto"; custom storages (R2, MinIO) accept the S3 default. */
const DEFAULT_REGION: Record<Exclude<DestinationProvider, 'aws'>, string> = { gcp: 'auto', custom: 'us-east-1' };

const MAX_KEY_LENGTH = 512;
const AWS_HOST = /^(.+)\.s3\.([a-z0-9-]+)\.amazonaws\.com$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** S3's bucket naming rules (AWS, R2, MinIO): 3-63 lowercase letters, digits, dots and hyphens. */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** GCS also allows underscores, and up to 222 characters when the name has dots. */
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function invalidUrl(message: string): DestinationInvalid {
  return new DestinationInvalid('invalid_url', message);
}

/** `https://<bucket>.s3.<region>.amazonaws.com[/key]` -> bucket, region and key; any other form is invalid_url. */
export function parseAwsUrl(raw: string): { bucket: string; region: string; key: string } {
  const expected = `url must have the form ${AWS_URL_FORM}, got "${raw.slice(0, 200)}"`;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalidUrl(expected);
  }
  const host = AWS_HOST.exec(url.hostname);
  if (url.protocol !== 'https:' || !host || url.port || url.username || url.password || url.search || url.hash) {
    throw invalidUrl(expected);
  }
  const [, bucket, region] = host as unknown as [string, string, string];
  if (!AWS_REGION.test(region)) throw invalidUrl(`${expected} ("${region}" is not an AWS region)`);
  const bucketProblem = bucketNameProblem(bucket, S3_BUCKET);
  if (bucketProblem) throw invalidUrl(`${expected} (${bucketProblem})`);
  let key: string;
  try {
    key = decodeURIComponent(url.pathname);
  } catch {
    throw invalidUrl(expected);
  }
  return { bucket, region, key: normaliseKey(key) };
}

function bucketNameProblem(bucket: string, rule: RegExp): string | undefined {
  if (rule.test(bucket) && !bucket.includes('..') && !isIP(bucket)) return undefined;
  const allowed =
    rule === GCS_BUCKET
      ? 'lowercase letters, digits, dots, hyphens and underscores'
      : '3 to 63 lowercase letters, digits, dots and hyphens';
  return `"${bucket.slice(0, 100)}" is not a valid bucket name (${allowed}, starting and ending with a letter or digit)`;
}

function checkBucket(bucket: string, rule: RegExp): void {
  const problem = bucketNameProblem(bucket, rule);
  if (problem) throw invalidUrl(problem);
}

/** The prefix without leading, trailing or doubled slashes. */
export function normaliseKey(raw: string): string {
  const key = raw
    .trim()
    .split('/')
    .filter((segment) => segment !== '')
    .join('/');
  if (key.length > MAX_KEY_LENGTH) throw invalidUrl(`key must be at most ${MAX_KEY_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw invalidUrl('key must not contain control characters');
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw invalidUrl('key must not contain "." or ".." segments');
  }
  return key;
}

/** A custom endpoint: https (http only where private networks are allowed), no credentials and no path. */
export function parseEndpoint(raw: string, policy: OutboundPolicy): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalidUrl(`endpoint must be a URL such as https://<account>.r2.cloudflarestorage.com, got "${raw.slice(0, 200)}"`);
  }
  const httpAllowed = policy.allowPrivateNetworks && url.protocol === 'http:';
  if (url.protocol !== 'https:' && !httpAllowed) {
    throw invalidUrl(policy.allowPrivateNetworks ? 'endpoint must use https or http' : 'endpoint must use https');
  }
  if (url.username || url.password) throw invalidUrl('endpoint must not carry credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw invalidUrl("endpoint must be the storage's base URL without a path (give the bucket and key separately)");
  }
  return `${url.protocol}//${url.host}`;
}

function given(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function refuseField(provider: DestinationProvider, field: string, instead: string): never {
  throw new InvalidDestinationInput(field, `${field} is not used for ${provider} destinations: ${instead}`);
}

/** The location a caller describes, by the provider's rules (aws: the URL; gcp and custom: the parts). */
export function parseLocation(input: LocationInput, policy: OutboundPolicy): DestinationLocation {
  const { provider } = input;
  if (provider === 'aws') {
    for (const field of ['bucket', 'region', 'endpoint', 'key'] as const) {
      if (given(input[field])) refuseField(provider, field, `give the bucket's URL, ${AWS_URL_FORM}`);
    }
    if (!given(input.url)) throw new InvalidDestinationInput('url', `url is required for aws destinations: ${AWS_URL_FORM}`);
    const { bucket, region, key } = parseAwsUrl(input.url);
    return { provider, bucket, region, key, endpoint: `https://s3.${region}.amazonaws.com` };
  }
  if (given(input.url)) refuseField(provider, 'url', 'give bucket, region and key separately');
  if (!given(input.bucket)) throw new InvalidDestinationInput('bucket', `bucket is required for ${provider} destinations`);
  const bucket = input.bucket.trim();
  checkBucket(bucket, provider === 'gcp' ? GCS_BUCKET : S3_BUCKET);
  const region = given(input.region) ? input.region.trim() : DEFAULT_REGION[provider];
  if (!REGION.test(region))
    throw invalidUrl(`region must be lowercase letters, digits and hyphens, got "${region.slice(0, 40)}"`);
  const key = normaliseKey(input.key ?? '');
  if (provider === 'gcp') {
    if (given(input.endpoint)) refuseField(provider, 'endpoint', `gcp destinations use ${GCP_ENDPOINT}`);
    return { provider, bucket, region, key, endpoint: GCP_ENDPOINT };
  }
  if (!given(input.endpoint)) {
    throw new InvalidDestinationInput(
      'endpoint',
      "endpoint is required for custom destinations: the storage's S3 API URL, e.g. https://<account>.r2.cloudflarestorage.com",
    );
  }
  return { provider, bucket, region, key, endpoint: parseEndpoint(input.endpoint, policy) };
}

/** The AWS URL a location was given as (for a PATCH that changes other fields of an aws destination). */
export function awsUrlOf(location: DestinationLocation): string {
  const base = `https://${location.bucket}.s3.${location.region}.amazonaws.com`;
  return location.key ? `${base}/${location.key.split('/').map(encodeURIComponent).join('/')}` : base;
}
