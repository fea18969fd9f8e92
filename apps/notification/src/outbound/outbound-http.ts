import { Injectable } from '@nestjs/common';
import { checkedLookup, checkHost, OutboundPolicy, refusalFor } from '@exportd/outbound';
import { request as httpRequest, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

export const WEBHOOK_TIMEOUT_MS = 15_000;

/** The outcome of one POST: the answer's status, or an error when there was no answer. */
export interface PostOutcome {
  statusCode?: number;
  retryAfter?: string;
  error?: string;
}

/** Why a URL may not be used for a webhook, or undefined when its form is fine (addresses checked apart). */
export function urlFormProblem(raw: string, policy: OutboundPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not a valid URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivateNetworks && url.protocol === 'http:')) {
    return policy.allowPrivateNetworks ? 'url must use https or http' : 'url must use https';
  }
  if (url.username || url.password) return 'url must not carry credentials';
  if (!url.hostname) return 'url has no host';
  return undefined;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Resolves `url`'s host and says why it may not be reached, or undefined when every address is allowed. */
export async function checkWebhookUrl(raw: string, policy: OutboundPolicy): Promise<string | undefined> {
  const problem = urlFormProblem(raw, policy);
  if (problem) return problem;
  const check = await checkHost(hostOf(new URL(raw)), policy);
  return check.allowed ? undefined : check.message;
}

/** Sends webhook POSTs with node:http/https: no redirects followed, a 15 s limit, addresses checked after DNS. */
@Injectable()
export abstract class OutboundHttp {
  abstract post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome>;
}

export class NodeOutboundHttp extends OutboundHttp {
  constructor(
    private readonly policy: OutboundPolicy,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {
    super();
  }

  async post(raw: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    const problem = urlFormProblem(raw, this.policy);
    if (problem) return { error: problem };
    const url = new URL(raw);
    const host = hostOf(url);
    if (isIP(host)) {
      const refusal = refusalFor(host, this.policy.allowPrivateNetworks);
      if (refusal) return { error: refusal };
    }
    const options: RequestOptions = {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'exportd-webhooks/1',
      },
      lookup: checkedLookup(this.policy),
      timeout: this.timeoutMs,
      agent: false,
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<PostOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: PostOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = send(url, options, (res: IncomingMessage) => {
        const retryAfter = res.headers['retry-after'];
        // The body is not needed; drain a little of it so the socket closes cleanly.
        res.on('data', () => undefined);
        res.on('end', () => finish({ statusCode: res.statusCode, retryAfter }));
        res.on('error', () => finish({ statusCode: res.statusCode, retryAfter }));
        res.on('close', () => finish({ statusCode: res.statusCode, retryAfter }));
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)));
      req.on('error', (error: Error) => finish({ error: error.message || String(error) }));
      req.end(body);
    });
  }
}
