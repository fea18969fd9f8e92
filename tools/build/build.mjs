#!/usr/bin/env node
// `npm run build`: compiles the gateway, the four services and the libraries they import from TypeScript to
// JavaScript under dist/ (same layout as the sources: dist/apps/<name>/src/main.js), with SWC: the transform
// the sources run through under `nx serve`, done once instead of in every process at every start. The whole
// tree is compiled each time (under a second). Each file is replaced by a rename, and files whose source is
// gone are removed afterwards, so a process started meanwhile (another test run) never reads half a file.
import { transformFile } from '@swc/core';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist');
const SOURCE_DIRS = [
  ...['gateway', 'ingestion', 'aggregation', 'export-job', 'notification'].map((app) => `apps/${app}/src`),
  // local-stack and testing start servers for tools and tests, which run from the sources.
  ...readdirSync(join(root, 'libs'))
    .filter((lib) => lib !== 'local-stack' && lib !== 'testing')
    .map((lib) => `libs/${lib}/src`),
];
const TESTS = /\.(spec|int-spec|e2e-spec)\.ts$/;
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));

const swcOptions = (filename) => ({
  filename,
  sourceMaps: true,
  sourceFileName: relative(dirname(outputOf(filename)), filename),
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2022',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    baseUrl: root,
    paths: compilerOptions.paths,
  },
  module: { type: 'commonjs' },
  swcrc: false,
  configFile: false,
});

function outputOf(source) {
  return join(out, relative(root, source)).replace(/\.ts$/, '.js');
}

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !TESTS.test(entry.name)) yield path;
  }
}

async function compile(source) {
  const output = outputOf(source);
  const { code, map } = await transformFile(source, swcOptions(source));
  await mkdir(dirname(output), { recursive: true });
  await replace(`${output}.map`, map);
  await replace(output, `${code}\n//# sourceMappingURL=${basename(output)}.map\n`);
  return [output, `${output}.map`];
}

async function replace(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

async function* files(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

async function main() {
  const started = performance.now();
  const pending = [];
  for (const dir of SOURCE_DIRS) {
    for await (const source of sources(join(root, dir))) pending.push(compile(source));
  }
  const written = new Set((await Promise.all(pending)).flat());
  for await (const file of files(out)) if (!written.has(file) && !file.endsWith('.tmp')) await rm(file, { force: true });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`build: ${pending.length} files compiled to dist/ in ${seconds} s`);
}

main().catch((error) => {
  console.error(`build failed: ${error.message}`);
  process.exit(1);
});
