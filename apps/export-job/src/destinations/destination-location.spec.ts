import { DestinationInvalid, InvalidDestinationInput } from './destinations.errors';
import { awsUrlOf, GCP_ENDPOINT, normaliseKey, parseAwsUrl, parseLocation } from './destination-location';

const strict = { allowPrivateNetworks: false };
const open = { allowPrivateNetworks: true };

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DestinationInvalid) return error.reason;
    if (error instanceof InvalidDestinationInput) return `invalid_request:${(error.details as { field: string }).field}`;
    throw error;
  }
  return undefined;
}

describe(parseAwsUrl.name, () => {
  it.each([
    ['https://acme-exports.s3.eu-central-1.amazonaws.com', { bucket: 'acme-exports', region: 'eu-central-1', key: '' }],
    ['https://acme-exports.s3.us-east-1.amazonaws.com/', { bucket: 'acme-exports', region: 'us-east-1', key: '' }],
    ['https://acme.s3.us-west-2.amazonaws.com/bucket/daily/', { bucket: 'acme', region: 'us-west-2', key: 'bucket/daily' }],
    [
      'https://my.dotted.bucket.s3.ap-southeast-2.amazonaws.com/a//b',
      { bucket: 'my.dotted.bucket', region: 'ap-southeast-2', key: 'a/b' },
    ],
    ['https://acme.s3.us-gov-west-1.amazonaws.com/with%20space', { bucket: 'acme', region: 'us-gov-west-1', key: 'with space' }],
  ])('%s gives bucket, region and key', (url, expected) => {
    expect(parseAwsUrl(url)).toEqual(expected);
  });

  it.each([
    'http://acme.s3.us-east-1.amazonaws.com',
    'https://acme.s3.amazonaws.com',
    'https://s3.us-east-1.amazonaws.com/acme',
    'https://acme.s3-us-east-1.amazonaws.com',
    'https://acme.s3.us-east-1.amazonaws.com.evil.example',
    'https://acme.s3.us-east-1.amazonaws.com:8443/x',
    'https://user:pw@acme.s3.us-east-1.amazonaws.com',
    'https://acme.s3.us-east-1.amazonaws.com/x?versionId=1',
    'https://acme.s3.nowhere.amazonaws.com',
    'https://a_b.s3.us-east-1.amazonaws.com/x',
    'https://ab.s3.us-east-1.amazonaws.com',
    'acme.s3.us-east-1.amazonaws.com',
    'not a url',
  ])('refuses %s as invalid_url, showing the expected form', (url) => {
    expect(() => parseAwsUrl(url)).toThrow(DestinationInvalid);
    expect(() => parseAwsUrl(url)).toThrow('https://<bucket>.s3.<region>.amazonaws.com[/key]');
    expect(reasonOf(() => parseAwsUrl(url))).toBe('invalid_url');
  });
});

describe(normaliseKey.name, () => {
  it('drops leading, trailing and doubled slashes', () => {
    expect(normaliseKey('/exports//daily/')).toBe('exports/daily');
    expect(normaliseKey('  ')).toBe('');
  });

  it('refuses dot segments and control characters', () => {
    expect(reasonOf(() => normaliseKey('a/../b'))).toBe('invalid_url');
    expect(reasonOf(() => normaliseKey('a\nb'))).toBe('invalid_url');
  });
});

describe(parseLocation.name, () => {
  it('aws: the location comes from the URL, the endpoint from the region', () => {
    expect(parseLocation({ provider: 'aws', url: 'https://acme.s3.eu-west-1.amazonaws.com/exports' }, strict)).toEqual({
      provider: 'aws',
      bucket: 'acme',
      region: 'eu-west-1',
      key: 'exports',
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
    });
    expect(reasonOf(() => parseLocation({ provider: 'aws' }, strict))).toBe('invalid_request:url');
    expect(
      reasonOf(() => parseLocation({ provider: 'aws', url: 'https://acme.s3.eu-west-1.amazonaws.com', bucket: 'x' }, strict)),
    ).toBe('invalid_request:bucket');
  });

  it('gcp: bucket, region and key apart, on the S3 interoperability endpoint', () => {
    expect(parseLocation({ provider: 'gcp', bucket: 'acme_exports', key: '/daily/' }, strict)).toEqual({
      provider: 'gcp',
      bucket: 'acme_exports',
      region: 'auto',
      key: 'daily',
      endpoint: GCP_ENDPOINT,
    });
    expect(reasonOf(() => parseLocation({ provider: 'gcp', bucket: 'acme', endpoint: 'https://x.example' }, strict))).toBe(
      'invalid_request:endpoint',
    );
    expect(reasonOf(() => parseLocation({ provider: 'gcp' }, strict))).toBe('invalid_request:bucket');
    expect(
      reasonOf(() => parseLocation({ provider: 'gcp', bucket: 'acme', url: 'https://acme.s3.eu-west-1.amazonaws.com' }, strict)),
    ).toBe('invalid_request:url');
  });

  it('custom: needs an https endpoint (http only where private networks are allowed), without a path', () => {
    const r2 = { provider: 'custom' as const, bucket: 'acme', endpoint: 'https://abc123.eu.r2.cloudflarestorage.com/' };
    expect(parseLocation(r2, strict)).toEqual({
      provider: 'custom',
      bucket: 'acme',
      region: 'us-east-1',
      key: '',
      endpoint: 'https://abc123.eu.r2.cloudflarestorage.com',
    });
    expect(parseLocation({ ...r2, region: 'auto' }, strict).region).toBe('auto');
    expect(reasonOf(() => parseLocation({ provider: 'custom', bucket: 'acme' }, strict))).toBe('invalid_request:endpoint');
    expect(reasonOf(() => parseLocation({ ...r2, endpoint: 'http://127.0.0.1:9000' }, strict))).toBe('invalid_url');
    expect(parseLocation({ ...r2, endpoint: 'http://127.0.0.1:9000' }, open).endpoint).toBe('http://127.0.0.1:9000');
    expect(reasonOf(() => parseLocation({ ...r2, endpoint: 'https://r2.example/acme' }, strict))).toBe('invalid_url');
    expect(reasonOf(() => parseLocation({ ...r2, endpoint: 'https://key:secret@r2.example' }, strict))).toBe('invalid_url');
    expect(reasonOf(() => parseLocation({ ...r2, endpoint: 'ftp://r2.example' }, open))).toBe('invalid_url');
    expect(reasonOf(() => parseLocation({ ...r2, bucket: 'Not_A_Bucket' }, strict))).toBe('invalid_url');
    expect(reasonOf(() => parseLocation({ ...r2, region: 'Europe West' }, strict))).toBe('invalid_url');
  });

  it('awsUrlOf gives back the URL an aws location was parsed from', () => {
    for (const url of ['https://acme.s3.eu-west-1.amazonaws.com', 'https://acme.s3.eu-west-1.amazonaws.com/a%20b/c%25d']) {
      const location = parseLocation({ provider: 'aws', url }, strict);
      expect(parseLocation({ provider: 'aws', url: awsUrlOf(location) }, strict)).toEqual(location);
    }
  });
});
