import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TOOLS_BIN } from './paths';

/** Path of a locally built server binary; builds FerretDB and versitygw once when missing. */
export function serverBinary(name: 'ferretdb' | 'versitygw'): string {
  const path = join(TOOLS_BIN, name);
  if (!existsSync(path)) {
    execFileSync('bash', [join(REPO_ROOT, 'tools', 'servers', 'install.sh')], { stdio: 'inherit' });
  }
  return path;
}
