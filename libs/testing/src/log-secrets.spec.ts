import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoSecretsInLogs, findSecretsInLogs, logsDir, registeredSecrets, registerSecret, secretsDir } from './log-secrets';

describe('log secret scanner', () => {
  let tmpDir: string;
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');

  beforeEach(() => {
    tmpDir = mkdtempSync(join(tmpdir(), 'log-secrets-'));
    mkdirSync(join(logsDir(tmpDir), 'platform-a'), { recursive: true });
  });
  afterEach(() => rmSync(tmpDir, { recursive: true, force: true }));

  const writeLog = (name: string, text: string) => writeFileSync(join(logsDir(tmpDir), name), text);

  it('names the file and kind of each leaked secret, with only a hint of the value', async () => {
    const apiKey = `sk_${hex(24)}`;
    const adminToken = `adm_${hex(16)}`;
    const unused = hex(20);
    registerSecret('API key', apiKey, secretsDir(tmpDir));
    registerSecret('admin token', adminToken, secretsDir(tmpDir));
    registerSecret('webhook secret', unused, secretsDir(tmpDir));
    writeLog('platform-a/gateway.log', `{"msg":"request"}\n{"msg":"auth","header":"Bearer ${apiKey}"}\n`);
    writeLog('platform-a/ingestion.log', `{"msg":"started"}\n`);
    writeLog('other.log', `token=${adminToken}`);

    const leaks = await findSecretsInLogs(logsDir(tmpDir), registeredSecrets(secretsDir(tmpDir)));
    expect(leaks.map(({ file, kind }) => [file.slice(logsDir(tmpDir).length + 1), kind]).sort()).toEqual([
      ['other.log', 'admin token'],
      ['platform-a/gateway.log', 'API key'],
    ]);

    const failure = await assertNoSecretsInLogs(tmpDir).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toContain('platform-a/gateway.log: a API key (sk_');
    expect(failure).toContain(`(${apiKey.length} chars)`);
    expect(failure).toContain('other.log: a admin token');
    expect(failure).not.toContain(apiKey);
    expect(failure).not.toContain(adminToken);
  });

  it('finds a secret across the boundary of two read chunks, at the very start and end of a file, and URL-encoded', async () => {
    const secret = `${hex(10)}/+=${hex(10)}`;
    const atStart = hex(16);
    const atEnd = hex(18);
    for (const [kind, value] of [
      ['customer S3 secret key', secret],
      ['internal token', atStart],
      ['encryption key', atEnd],
    ] as const)
      registerSecret(kind, value, secretsDir(tmpDir));
    // The reader's chunks are 4 MiB: the secret straddles the first boundary.
    const chunk = 4 * 1024 * 1024;
    writeLog('big.log', `${'x'.repeat(chunk - 10)}${secret}${'y'.repeat(1000)}`);
    writeLog('edges.log', `${atStart} middle ${atEnd}`);
    writeLog('url.log', `GET /x?key=${encodeURIComponent(secret)} 200`);

    const leaks = await findSecretsInLogs(logsDir(tmpDir), registeredSecrets(secretsDir(tmpDir)));
    const found = leaks.map(({ file, kind }) => `${file.slice(logsDir(tmpDir).length + 1)} ${kind}`).sort();
    expect(found).toEqual([
      'big.log customer S3 secret key',
      'edges.log encryption key',
      'edges.log internal token',
      'url.log customer S3 secret key',
    ]);
  });

  it('passes clean logs, near misses and values too short to be secrets', async () => {
    const secret = hex(16);
    registerSecret('API key', secret, secretsDir(tmpDir));
    registerSecret('API key', 'short', secretsDir(tmpDir));
    // Every prefix and suffix one character short, never the whole secret.
    writeLog('near.log', `${secret.slice(0, -1)} ${secret.slice(1)} short short`);
    await expect(assertNoSecretsInLogs(tmpDir)).resolves.toBeUndefined();
  });

  it('reads the secrets every worker registered, each in a file of its own', () => {
    const dir = secretsDir(tmpDir);
    registerSecret('API key', 'a'.repeat(20), dir);
    writeFileSync(join(dir, '999999.jsonl'), `${JSON.stringify({ kind: 'webhook secret', value: 'b'.repeat(20) })}\n`);
    expect(
      registeredSecrets(dir)
        .map((s) => s.kind)
        .sort(),
    ).toEqual(['API key', 'webhook secret']);
  });

  it('a run without registered secrets or logs passes', async () => {
    await expect(assertNoSecretsInLogs(join(tmpDir, 'nothing-here'))).resolves.toBeUndefined();
  });
});
