import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createTestBucket, eventually, messagesFor, testMongoUrl, testS3Client, testServers } from './test-servers';
import mongoose from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createTransport } from 'nodemailer';

describe('the real servers of the test run', () => {
  it('MongoDB-compatible server: a unique index, an atomic upsert with $inc, a simple aggregation', async () => {
    const connection = await mongoose.createConnection(testMongoUrl('servers')).asPromise();
    try {
      const counters = connection.collection('counters');
      await counters.createIndex({ key: 1 }, { unique: true });
      for (let i = 0; i < 3; i++)
        await counters.updateOne({ key: 'a' }, { $inc: { n: 2 }, $setOnInsert: { first: i } }, { upsert: true });
      await counters.insertOne({ key: 'b', n: 5 });
      await expect(counters.insertOne({ key: 'b', n: 1 })).rejects.toThrow(/duplicate key/i);
      const [total] = await counters.aggregate([{ $match: {} }, { $group: { _id: null, sum: { $sum: '$n' } } }]).toArray();
      expect(total?.sum).toBe(11);
      expect(await counters.findOne({ key: 'a' })).toMatchObject({ n: 6, first: 0 });
    } finally {
      await connection.close();
    }
  });

  it('S3 server: a streamed multipart upload comes back byte for byte, and presigned links work', async () => {
    const bucket = await createTestBucket('servers');
    const s3 = testS3Client();
    const body = new PassThrough();
    const hash = createHash('sha256');
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'stream/data.bin', Body: body },
      partSize: 5 * 1024 * 1024,
    });
    const done = upload.done();
    for (let i = 0; i < 24; i++) {
      const chunk = randomBytes(512 * 1024);
      hash.update(chunk);
      body.write(chunk);
    }
    body.end();
    await done;

    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'stream/data.bin' }), { expiresIn: 60 });
    const downloaded = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(downloaded.length).toBe(12 * 1024 * 1024);
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(hash.digest('hex'));

    const tampered = await fetch(
      url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`),
    );
    expect(tampered.status).toBe(403);
    s3.destroy();
  });

  it('S3 server: a wrong secret is refused, as on AWS', async () => {
    const bucket = await createTestBucket('servers');
    const wrong = testS3Client({ secretAccessKey: 'not-the-secret' });
    await expect(wrong.send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'x' }))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
    });
    await expect(wrong.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toBeDefined();
    wrong.destroy();
  });

  it('SMTP capture server keeps each message as an .eml file', async () => {
    const recipient = `someone-${randomBytes(4).toString('hex')}@example.com`;
    const transport = createTransport({ url: testServers().smtpUrl } as never);
    await transport.sendMail({ from: 'exports@example.com', to: recipient, subject: 'Hello', text: 'body text' });
    const [raw] = await eventually(() => {
      const found = messagesFor(recipient);
      return found.length > 0 ? found : undefined;
    });
    expect(raw).toContain('Subject: Hello');
    expect(raw).toContain('body text');
  });
});
