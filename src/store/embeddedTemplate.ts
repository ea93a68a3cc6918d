import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { localCacheDir, packageRoot } from '../paths';

/** What the seeding needs of PGlite to make a cluster: open a directory, wait, close. */
export interface PGliteLike {
  waitReady: Promise<void>;
  close(): Promise<void>;
}

/** A maker killed half-way leaves its scratch directory behind; the next maker removes those older than this. */
const STALE_SCRATCH_MS = 60 * 60 * 1000;

/**
 * Creating an embedded cluster runs PGlite's initdb: about 8 CPU-seconds and hundreds of
 * megabytes, against about 1 CPU-second to open an existing one. So the first creation
 * on a machine keeps an empty, cleanly closed cluster (by default under
 * `node_modules/.cache/vn-registry-gateway/pglite-<version>`), and every later fresh data
 * directory starts as a copy of it (about 40 MB, tens of milliseconds). The copy holds no
 * data: migrations run on the new directory as before. Where the template cannot be made
 * or copied (a read-only install), PGlite runs initdb in the directory as it would without it.
 *
 * `dir` is the cluster's directory (empty or absent); nothing happens when it already holds a
 * cluster. Returns true when `dir` was filled from the template, so that a caller who then
 * cannot open it can discard both (discardTemplate) and let initdb make the directory instead.
 */
export async function seedEmbeddedCluster(dir: string, template: string | null, open: (dir: string) => PGliteLike): Promise<boolean> {
  if (!template || existsSync(path.join(dir, 'PG_VERSION'))) return false;
  let scratch: string | null = null;
  try {
    if (!existsSync(path.join(template, 'PG_VERSION'))) await makeTemplate(template, open);
    // Copied beside the directory and renamed into it: a copy cut short never looks like a cluster.
    scratch = mkdtempSync(`${dir}.seeding-`);
    cpSync(template, scratch, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
    return true;
  } catch {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return false;
  }
}

/** Removes a template that produced a cluster PGlite could not open; the next fresh store makes a new one. */
export function discardTemplate(template: string): void {
  rmSync(template, { recursive: true, force: true });
}

/** The default place of the template: the installed PGlite's version in its name, so an upgrade makes a new one. */
export function defaultTemplateDir(): string | null {
  const modules = path.join(packageRoot(), 'node_modules');
  try {
    const { version } = JSON.parse(readFileSync(path.join(modules, '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    return path.join(localCacheDir(), `pglite-${version}`);
  } catch {
    return null;
  }
}

/** Made in a scratch directory beside its final place and renamed into it: processes racing to make it never see half of one. */
async function makeTemplate(template: string, open: (dir: string) => PGliteLike): Promise<void> {
  const parent = path.dirname(template);
  const prefix = `${path.basename(template)}.making-`;
  mkdirSync(parent, { recursive: true });
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const stale = path.join(parent, name);
    try {
      if (Date.now() - statSync(stale).mtimeMs > STALE_SCRATCH_MS) rmSync(stale, { recursive: true, force: true });
    } catch {
      // Another maker removed it first.
    }
  }
  const scratch = mkdtempSync(path.join(parent, prefix));
  try {
    const db = open(scratch);
    await db.waitReady;
    await db.close();
    try {
      renameSync(scratch, template);
    } catch (err) {
      // Another process made it first: theirs is as good.
      if (!existsSync(path.join(template, 'PG_VERSION'))) throw err;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
