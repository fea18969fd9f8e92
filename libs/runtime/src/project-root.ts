import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's root directory (the nearest one above this file holding package.json): the same answer for the
 * TypeScript sources (libs/runtime/src), the build (dist/libs/runtime/src) and the container image, so files
 * read at run time (proto/, the console's build) are found from any of them.
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
