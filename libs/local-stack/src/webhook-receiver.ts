import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  answered: number;
}

export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers in order; the last one repeats. */
  script: ReceiverAnswer[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback standing in for a customer's webhook endpoint (tests, the chaos run): it records
 * what it receives and answers as scripted.
 */
export async function startWebhookReceiver(script: ReceiverAnswer[] = [{ status: 200 }]): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const receiver = { requests, script } as WebhookReceiver;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = receiver.script[Math.min(requests.length, receiver.script.length - 1)] ?? { status: 200 };
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      requests.push({ headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now(), answered: answer.status });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/exports`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
