import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { freePort } from './process';

export interface RunningSmtp {
  url: string;
  port: number;
  mailDir: string;
  stop(): Promise<void>;
}

/** An SMTP server that accepts every message and keeps it as `<mailDir>/<time>-<id>.eml`. */
export async function startSmtpCapture(options: { mailDir: string; port?: number }): Promise<RunningSmtp> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.mailDir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
        writeFileSync(join(options.mailDir, name), Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mailDir: options.mailDir,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
