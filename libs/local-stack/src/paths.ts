import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const TOOLS_BIN = join(REPO_ROOT, '.tools', 'bin');
