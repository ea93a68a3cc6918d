import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The package root, found by walking up from this file: the same answer whether the
 * code runs from `src/` (tests, tsx) or from the compiled `dist/src/`.
 */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'schema'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package root (a directory with package.json and schema/) above ${__dirname}`);
    dir = parent;
  }
}
