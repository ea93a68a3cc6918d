'use strict';
/**
 * `npm start`: builds dist/ only when a source is newer than the last build, says which,
 * then runs the built gateway (dist/src/main.js) in this same process. Plain JavaScript,
 * so that it runs before anything is built.
 *
 * The check is a walk over the build's inputs (tsconfig.build.json: src, connectors,
 * mocks; the tsconfig files; package-lock.json) comparing modification times with the
 * build's own record (dist/.tsbuildinfo) — a few milliseconds, where asking the compiler
 * (`tsc -b`) costs half a second of loading TypeScript. Anything newer, added or removed
 * (a directory's time changes too) hands over to `tsc -b`, which decides precisely.
 */
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const SOURCE_DIRS = ['src', 'connectors', 'mocks'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The first input of the build under `root` modified after `since` (ms since epoch), relative to `root`, or null. */
function newerInput(root, since) {
  const newer = (file) => statSync(file).mtimeMs > since;
  for (const f of SOURCE_FILES) if (newer(path.join(root, f))) return f;
  const walk = (dir) => {
    if (newer(dir)) return dir;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(p);
        if (found) return found;
      } else if (/\.(ts|json)$/.test(entry.name) && newer(p)) return p;
    }
    return null;
  };
  for (const d of SOURCE_DIRS) {
    const found = walk(path.join(root, d));
    if (found) return path.relative(root, found);
  }
  return null;
}

/** Why dist/ under `root` must be built ('no build yet', or the input that changed), or null when it is up to date. */
function buildReason(root) {
  let since;
  try {
    since = statSync(path.join(root, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    return 'no build yet';
  }
  const changed = newerInput(root, since);
  return changed === null ? null : `${changed} changed`;
}

function start() {
  const root = path.join(__dirname, '..');
  const reason = buildReason(root);
  if (reason === null) {
    process.stdout.write('dist/ is up to date with the sources: starting without a build\n');
  } else {
    process.stdout.write(`Building dist/ (${reason}) ...\n`);
    const started = Date.now();
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
    process.stdout.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  require('../dist/src/main.js');
}

module.exports = { buildReason };
if (require.main === module) start();
