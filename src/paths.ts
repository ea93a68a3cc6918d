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

/**
 * Files this checkout keeps to start faster — the embedded store's empty cluster, the mock
 * registries' stored dataset — shared by every `DATA_DIR` and test run, and rebuilt when
 * deleted (`node_modules/.cache/vn-registry-gateway`).
 */
export function localCacheDir(): string {
  return path.join(packageRoot(), 'node_modules', '.cache', 'vn-registry-gateway');
}
