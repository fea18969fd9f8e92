// Regenerates libs/contracts/src/generated from proto/ (buf + ts-proto, no protoc download).
// Runs on `npm ci` (postinstall) and `npm run generate`; the output is not committed.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'libs/contracts/src/generated');
const buf = join(root, 'node_modules/.bin/buf');

rmSync(out, { recursive: true, force: true });
execFileSync(buf, ['lint', 'proto'], { cwd: root, stdio: 'inherit' });
execFileSync(buf, ['generate', 'proto', '--template', 'proto/buf.gen.yaml'], { cwd: root, stdio: 'inherit' });
console.log(`contracts generated into ${out}`);
