import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `npm start` (src/start.cjs) builds only when an input of the build is newer than the last build. */
const { buildReason } = require('../../src/start.cjs') as { buildReason: (root: string) => string | null };

describe('the start-up build check', () => {
  let root: string;
  // Times set explicitly: an hour ago for the sources, the build ten seconds after them.
  const sourcesAt = Date.now() / 1000 - 3600;
  const builtAt = sourcesAt + 10;
  const files = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'src/main.ts', 'connectors/types.ts', 'mocks/data/generateDataset.ts', 'src/domain/provinces.json'];
  const dirs = ['src', 'src/domain', 'connectors', 'mocks', 'mocks/data'];
  const at = (p: string, seconds: number) => utimesSync(path.join(root, p), seconds, seconds);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'gw-start-'));
    for (const d of [...dirs, 'dist']) mkdirSync(path.join(root, d), { recursive: true });
    for (const f of files) writeFileSync(path.join(root, f), '');
    writeFileSync(path.join(root, 'dist', '.tsbuildinfo'), '{}');
    for (const p of [...files, ...dirs]) at(p, sourcesAt);
    at('dist/.tsbuildinfo', builtAt);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds when there is no build yet', () => {
    rmSync(path.join(root, 'dist'), { recursive: true });
    expect(buildReason(root)).toBe('no build yet');
  });

  it('starts without a build when nothing changed since the last one', () => {
    expect(buildReason(root)).toBeNull();
  });

  it('names a source changed after the build, however deep', () => {
    at('mocks/data/generateDataset.ts', builtAt + 5);
    expect(buildReason(root)).toBe('mocks/data/generateDataset.ts changed');
  });

  it('sees a changed configuration or lock file, and a changed JSON module', () => {
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

  it('ignores files the build does not read', () => {
    writeFileSync(path.join(root, 'src', 'NOTES.md'), 'notes');
    at('src', sourcesAt);
    expect(buildReason(root)).toBeNull();
  });
});
