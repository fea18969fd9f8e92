import Fastify, { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { toHttpError } from '../errors/http-error.filter';
import { installSegmentBodyLimits, segmentBodyLimit } from './segment-body-limits';
import { SEGMENT_LIMITS } from './segment-call.mapper';

/** A JSON body of exactly `bytes` bytes. */
const bodyOf = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

/** A body sent in chunks, without a Content-Length. */
const chunked = (text: string) => Readable.from([text.slice(0, 1_000), text.slice(1_000)].map((part) => Buffer.from(part)));

describe(installSegmentBodyLimits.name, () => {
  let sut: FastifyInstance;

  beforeAll(async () => {
    sut = Fastify({ bodyLimit: 1024 * 1024 });
    installSegmentBodyLimits(sut);
    sut.setErrorHandler((error, _request, reply) => {
      const { status, body } = toHttpError(error);
      void reply.status(status).send(body);
    });
    const echo = async (request: { body: unknown }) => ({ bytes: JSON.stringify(request.body).length });
    for (const route of ['batch', 'track', 'identify', 'group', 'page', 'screen', 'alias']) sut.post(`/v1/${route}`, echo);
    sut.post('/:trackingKey/bulk', echo);
    await sut.ready();
  });

  afterAll(() => sut.close());

  const post = (url: string, payload: string | Readable) =>
    sut.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

  it('knows the limit of each Segment route', () => {
    expect(segmentBodyLimit('/v1/batch')).toBe(SEGMENT_LIMITS.batchBytes);
    expect(segmentBodyLimit('/v1/batch/?x=1')).toBe(SEGMENT_LIMITS.batchBytes);
    for (const route of ['track', 'identify', 'group', 'page', 'screen', 'alias'])
      expect(segmentBodyLimit(`/v1/${route}`)).toBe(SEGMENT_LIMITS.callBytes);
    expect(segmentBodyLimit('/v1/bulk')).toBeUndefined();
    expect(segmentBodyLimit('/key/track')).toBeUndefined();
    expect(segmentBodyLimit('/v1/tracks')).toBeUndefined();
  });

  it('lets a batch of exactly 500 KB and a call of exactly 32 KB through', async () => {
    expect((await post('/v1/batch', bodyOf(SEGMENT_LIMITS.batchBytes))).statusCode).toBe(200);
    expect((await post('/v1/track', bodyOf(SEGMENT_LIMITS.callBytes))).statusCode).toBe(200);
    expect((await post('/v1/batch', chunked(bodyOf(SEGMENT_LIMITS.batchBytes)))).statusCode).toBe(200);
  });

  it('answers 400 naming the limit for a declared length over it', async () => {
    const response = await post('/v1/batch', bodyOf(SEGMENT_LIMITS.batchBytes + 1));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        status: 400,
        code: 'payload_too_large',
        message: `the request body is ${SEGMENT_LIMITS.batchBytes + 1} bytes; /v1/batch accepts at most ${SEGMENT_LIMITS.batchBytes} bytes (Segment's 500 KB per batch limit)`,
        details: { limit: SEGMENT_LIMITS.batchBytes },
      },
    });
    const single = await post('/v1/identify', bodyOf(SEGMENT_LIMITS.callBytes + 1));
    expect(single.statusCode).toBe(400);
    expect(single.json().error.message).toContain("/v1/identify accepts at most 32768 bytes (Segment's 32 KB per call limit)");
  });

  it('counts a body sent without a Content-Length as it arrives', async () => {
    const response = await post('/v1/page', chunked(bodyOf(SEGMENT_LIMITS.callBytes + 1)));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'payload_too_large', details: { limit: SEGMENT_LIMITS.callBytes } });
  });

  it('leaves other routes to the parser limits', async () => {
    expect((await post('/v1/bulk', bodyOf(SEGMENT_LIMITS.batchBytes + 1))).statusCode).toBe(200);
  });
});
