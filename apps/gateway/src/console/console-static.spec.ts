import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installConsole } from './console-static';

@Module({})
class EmptyModule {}

describe(installConsole.name, () => {
  let dir: string;
  let sut: NestFastifyApplication;

  const start = async (dist: string) => {
    // The gateway's router options: /console and /console/ are one route.
    sut = await NestFactory.create<NestFastifyApplication>(
      EmptyModule,
      new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } }),
      { logger: false },
    );
    await installConsole(sut, dist);
    await sut.init();
    await sut.getHttpAdapter().getInstance().ready();
  };
  const get = (url: string) => sut.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-static-'));
  });

  afterEach(async () => {
    await sut?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the build: index.html at /console and /console/ (no-cache, with a content security policy), hashed assets for a year', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/index-abc.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export {};');
    await start(dir);
    for (const url of ['/console', '/console/', '/console/index.html']) {
      const page = await get(url);
      expect({ url, status: page.statusCode, type: page.headers['content-type'], cache: page.headers['cache-control'] }).toEqual({
        url,
        status: 200,
        type: 'text/html; charset=utf-8',
        cache: 'no-cache',
      });
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect(page.body).toContain('/console/assets/index-abc.js');
    }
    const asset = await get('/console/assets/index-abc.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/console/assets/nope.js')).statusCode).toBe(404);
  });

  it('answers 503 console_not_built, saying how to build it, when there is no build', async () => {
    await start(join(dir, 'missing'));
    for (const url of ['/console', '/console/', '/console/assets/index-abc.js']) {
      const answer = await get(url);
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toEqual({
        error: { status: 503, code: 'console_not_built', message: expect.stringContaining('npm run build:console') },
      });
    }
  });
});
