import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { checkWebhookUrl, NodeOutboundHttp } from './outbound-http';

describe(NodeOutboundHttp.name, () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      } else if (req.url === '/slow') {
        // never answers
      } else if (req.url === '/busy') {
        res.writeHead(429, { 'retry-after': '7' }).end();
      } else {
        res.writeHead(200).end('ok');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => hits.splice(0));

  it('posts to an allowed address and reports the status and Retry-After', async () => {
    const sut = new NodeOutboundHttp({ allowPrivateNetworks: true });
    expect(await sut.post(`http://localhost:${port}/ok`, { 'webhook-id': 'x' }, '{}')).toEqual({
      statusCode: 200,
      retryAfter: undefined,
    });
    expect(await sut.post(`http://127.0.0.1:${port}/busy`, {}, '{}')).toEqual({ statusCode: 429, retryAfter: '7' });
  });

  it('does not follow redirects', async () => {
    const sut = new NodeOutboundHttp({ allowPrivateNetworks: true });
    expect(await sut.post(`http://127.0.0.1:${port}/redirect`, {}, '{}')).toMatchObject({ statusCode: 302 });
    expect(hits).toEqual(['/redirect']);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const sut = new NodeOutboundHttp({ allowPrivateNetworks: true }, 300);
    const outcome = await sut.post(`http://127.0.0.1:${port}/slow`, {}, '{}');
    expect(outcome.statusCode).toBeUndefined();
    expect(outcome.error).toContain('no answer within');
  });

  it('checks the resolved address at delivery time and never connects to a refused one', async () => {
    const sut = new NodeOutboundHttp({ allowPrivateNetworks: false });
    const byName = await sut.post(`https://localhost:${port}/ok`, {}, '{}');
    expect(byName.error).toContain('resolves to 127.0.0.1, which is a loopback address');
    expect((await sut.post(`https://127.0.0.1:${port}/ok`, {}, '{}')).error).toBe('127.0.0.1 is a loopback address');
    expect((await sut.post(`http://localhost:${port}/ok`, {}, '{}')).error).toBe('url must use https');
    const metadata = new NodeOutboundHttp({ allowPrivateNetworks: true });
    expect((await metadata.post('http://169.254.169.254/latest/meta-data', {}, '{}')).error).toBe(
      '169.254.169.254 is a cloud metadata address',
    );
    expect(hits).toEqual([]);
  });

  it('checks a URL at registration', async () => {
    expect(await checkWebhookUrl('https://localhost/x', { allowPrivateNetworks: false })).toContain('loopback');
    expect(await checkWebhookUrl('http://localhost/x', { allowPrivateNetworks: true })).toBeUndefined();
    expect(await checkWebhookUrl('https://user:pw@localhost/x', { allowPrivateNetworks: true })).toBe(
      'url must not carry credentials',
    );
    expect(await checkWebhookUrl('ftp://localhost/x', { allowPrivateNetworks: true })).toBe('url must use https or http');
  });
});
