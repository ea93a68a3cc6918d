'use strict';
/**
 * `npm start`: builds dist/ only when a source is newer than the last good build, says
 * which, then runs the built gateway (dist/src/main.js) in this same process. Plain
 * JavaScript, so that it runs before anything is built.
 *
 * The check walks the build's inputs (tsconfig.build.json: src, connectors, mocks; the
 * tsconfig files) comparing modification times with a stamp this script leaves in dist/
 * after a build that succeeded (dated from when that build started) — a few
 * milliseconds, where asking the compiler (`tsc -b`) costs half a second of loading
 * TypeScript. Anything newer, added or removed (a directory's time changes too), a
 * failed build (no stamp) or a missing dist/src/main.js hands over to `tsc -b`, which
 * decides precisely. Like `tsc -b`, it does not look into node_modules: after changing
 * dependencies, `npm run build`.
 */
const { spawnSync } = require('node:child_process');
const cluster = require('node:cluster');
const { closeSync, openSync, readdirSync, rmSync, statSync, utimesSync } = require('node:fs');
const path = require('node:path');

const SOURCE_DIRS = ['src', 'connectors', 'mocks'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];
/** Left by a build that succeeded, dated from when it started. */
const STAMP = path.join('dist', '.start-built');

/** The first input of the build under `root` modified after `since` (ms since epoch), relative to `root`, or null. */
function newerInput(root, since) {
  // A path that is not there (a folder the project does not have) is nothing newer.
  const newer = (file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) > since;
  for (const f of SOURCE_FILES) if (newer(path.join(root, f))) return f;
  const walk = (dir) => {
    if (newer(dir)) return dir;
    if (!statSync(dir, { throwIfNoEntry: false })) return null;
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

/** Why dist/ under `root` must be built, or null when it is up to date. */
function buildReason(root) {
  let since;
  try {
    since = statSync(path.join(root, STAMP)).mtimeMs;
    statSync(path.join(root, 'dist', 'src', 'main.js'));
  } catch {
    return 'no finished build yet';
  }
  const changed = newerInput(root, since);
  return changed === null ? null : `${changed} changed`;
}

/** Builds dist/ under `root`; the stamp is left only if the build succeeds. Returns tsc's exit code. */
function build(root) {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    process.stderr.write('dist/ must be built, but TypeScript is not installed: run `npm ci` (with the development dependencies), or start the built gateway with `node dist/src/main.js`.\n');
    return 1;
  }
  const stamp = path.join(root, STAMP);
  rmSync(stamp, { force: true });
  const startedAt = new Date();
  const result = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  // Dated from the start of the build: a source saved while it ran still counts as newer.
  closeSync(openSync(stamp, 'w'));
  utimesSync(stamp, startedAt, startedAt);
  return 0;
}

function start() {
  const root = path.join(__dirname, '..');
  // The workers of WORKERS=N run this file again: the primary has checked and built.
  if (!cluster.isWorker) {
    const reason = buildReason(root);
    if (reason === null) {
      process.stdout.write('dist/ is up to date with the sources: starting without a build\n');
    } else {
      process.stdout.write(`Building dist/ (${reason}) ...\n`);
      const started = Date.now();
      const status = build(root);
      if (status !== 0) process.exit(status);
      process.stdout.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  }
  require('../dist/src/main.js');
}

module.exports = { buildReason, build };
if (require.main === module) start();
