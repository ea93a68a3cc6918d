import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `npm start` (src/start.cjs) builds only when an input of the build is newer than the last good build. */
const { buildReason, build } = require('../../src/start.cjs') as { buildReason: (root: string) => string | null; build: (root: string) => number };

describe('the start-up build check', () => {
  let root: string;
  // Times set explicitly: an hour ago for the sources, the build ten seconds after them.
  const sourcesAt = Date.now() / 1000 - 3600;
  const builtAt = sourcesAt + 10;
  const files = ['tsconfig.json', 'tsconfig.build.json', 'src/main.ts', 'connectors/types.ts', 'mocks/data/generateDataset.ts', 'src/domain/provinces.json'];
  const dirs = ['src', 'src/domain', 'connectors', 'mocks', 'mocks/data'];
  const at = (p: string, seconds: number) => utimesSync(path.join(root, p), seconds, seconds);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'gw-start-'));
    for (const d of [...dirs, 'dist/src']) mkdirSync(path.join(root, d), { recursive: true });
    for (const f of files) writeFileSync(path.join(root, f), '');
    writeFileSync(path.join(root, 'dist', 'src', 'main.js'), '');
    writeFileSync(path.join(root, 'dist', '.start-built'), '');
    for (const p of [...files, ...dirs]) at(p, sourcesAt);
    at('dist/.start-built', builtAt);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds when there is no build yet, or the last one failed, or its output is gone', () => {
    rmSync(path.join(root, 'dist', '.start-built'));
    expect(buildReason(root)).toBe('no finished build yet');
    writeFileSync(path.join(root, 'dist', '.start-built'), '');
    rmSync(path.join(root, 'dist', 'src', 'main.js'));
    expect(buildReason(root)).toBe('no finished build yet');
    rmSync(path.join(root, 'dist'), { recursive: true });
    expect(buildReason(root)).toBe('no finished build yet');
  });

  it('starts without a build when nothing changed since the last one', () => {
    expect(buildReason(root)).toBeNull();
  });

  it('names a source changed after the build, however deep', () => {
    at('mocks/data/generateDataset.ts', builtAt + 5);
    expect(buildReason(root)).toBe('mocks/data/generateDataset.ts changed');
  });

  it('sees a changed configuration, and a changed JSON module', () => {
    at('tsconfig.build.json', builtAt + 1);
    expect(buildReason(root)).toBe('tsconfig.build.json changed');
    at('tsconfig.build.json', sourcesAt);
    at('src/domain/provinces.json', builtAt + 1);
    expect(buildReason(root)).toBe('src/domain/provinces.json changed');
  });

  it('sees a source added or removed through its directory', () => {
    rmSync(path.join(root, 'connectors', 'types.ts'));
    expect(buildReason(root)).toBe('connectors changed');
  });

  it('builds once, not at every start, after a file the build does not read changed a directory', () => {
    writeFileSync(path.join(root, 'src', 'NOTES.md'), 'notes');
    // The directory's time moved: the build that follows (tsc finding nothing to do) stamps anew, and later starts build no more.
    expect(buildReason(root)).toBe('src changed');
    // Stamped after the change (a stamp of the same millisecond would not count: the file system keeps finer times).
    at('dist/.start-built', statSync(path.join(root, 'src')).mtimeMs / 1000 + 1);
    expect(buildReason(root)).toBeNull();
  });
});

/** The build itself, on a project of one file: the stamp is left only by a build that succeeded. */
describe('the start-up build', () => {
  let root: string;
  beforeEach(() => {
    // Inside the checkout, so that its TypeScript is found as the real project finds it.
    mkdirSync(path.join(__dirname, '..', '..', 'node_modules', '.cache'), { recursive: true });
    root = mkdtempSync(path.join(__dirname, '..', '..', 'node_modules', '.cache', 'gw-start-build-'));
    mkdirSync(path.join(root, 'src'));
    writeFileSync(
      path.join(root, 'tsconfig.build.json'),
      JSON.stringify({ compilerOptions: { strict: true, outDir: 'dist', rootDir: '.', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo', types: [] }, include: ['src'] }),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('leaves no stamp after a type error, so the next start builds again', () => {
    writeFileSync(path.join(root, 'src', 'main.ts'), 'export const n: number = "not a number";\n');
    expect(build(root)).not.toBe(0);
    expect(existsSync(path.join(root, 'dist', '.start-built'))).toBe(false);
    expect(buildReason(root)).toBe('no finished build yet');
  });

  it('stamps a build that succeeded with the time it started', () => {
    writeFileSync(path.join(root, 'src', 'main.ts'), 'export const n: number = 1;\n');
    // Sources saved a moment before the build, not in the same millisecond as its start: the stamp
    // has millisecond precision, the file system finer, and a save that close counts as newer.
    const savedAt = Date.now() / 1000 - 10;
    for (const p of ['src/main.ts', 'src', 'tsconfig.build.json']) utimesSync(path.join(root, p), savedAt, savedAt);
    const before = Date.now();
    expect(build(root)).toBe(0);
    const stamped = statSync(path.join(root, 'dist', '.start-built')).mtimeMs;
    expect(stamped).toBeGreaterThanOrEqual(before - 1000);
    expect(stamped).toBeLessThanOrEqual(statSync(path.join(root, 'dist', 'src', 'main.js')).mtimeMs);
    expect(buildReason(root)).toBeNull();
  });

  it('says what to do when TypeScript is not installed', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'gw-start-no-ts-'));
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    try {
      expect(build(outside)).toBe(1);
    } finally {
      spy.mockRestore();
      rmSync(outside, { recursive: true, force: true });
    }
    expect(written.join('')).toContain('TypeScript is not installed: run `npm ci`');
  });
});
