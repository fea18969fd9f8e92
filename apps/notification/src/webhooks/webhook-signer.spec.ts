import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signatureFor, webhookHeaders } from './webhook-signer';

describe('webhook signer', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // The example of the Standard Webhooks specification.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signatureFor(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('produces headers an independent verifier accepts, with one signature per valid secret', () => {
    const current = newWebhookSecret();
    const previous = newWebhookSecret();
    const body = JSON.stringify({ type: 'export.completed', timestamp: '2026-01-01T00:00:00.000Z', data: { id: 'job_1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([current, previous], 'dlv_1', timestamp, body);

    expect(headers['webhook-id']).toBe('dlv_1');
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
  });

  it('refuses to sign without a whsec_ secret', () => {
    expect(() => signatureFor('plain', 'id', 1, '')).toThrow('whsec_');
    expect(() => webhookHeaders([], 'id', 1, '')).toThrow();
  });
});
