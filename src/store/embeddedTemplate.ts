import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths';

/** What pgliteStore needs of PGlite to make a cluster: open a directory, wait, close. */
interface PGliteLike {
  waitReady: Promise<void>;
  close(): Promise<void>;
}

/**
 * Creating an embedded cluster runs PGlite's initdb: about 8 CPU-seconds and hundreds of
 * megabytes, against about 1 CPU-second to open an existing one. So the first creation
 * on a machine keeps an empty, cleanly closed cluster under
 * `node_modules/.cache/vn-registry-gateway/pglite-<version>`, and every later fresh data
 * directory starts as a copy of it (about 40 MB, tens of milliseconds). The copy holds no
 * data: migrations run on the new directory as before. Where the cache cannot be written
 * (a read-only install), the directory is created by initdb as it would be without it.
 *
 * `dir` is the cluster's directory; nothing happens when it already holds a cluster.
 */
export async function seedEmbeddedCluster(dir: string, open: (dir: string) => PGliteLike): Promise<void> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return;
  const template = templateDir();
  if (!template) return;
  try {
    if (!existsSync(path.join(template, 'PG_VERSION'))) await makeTemplate(template, open);
    cpSync(template, dir, { recursive: true });
  } catch {
    // No template: PGlite runs initdb in `dir` itself. Remove a partial copy first.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
}

function templateDir(): string | null {
  const modules = path.join(packageRoot(), 'node_modules');
  try {
    const { version } = JSON.parse(readFileSync(path.join(modules, '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    return path.join(modules, '.cache', 'vn-registry-gateway', `pglite-${version}`);
  } catch {
    return null;
  }
}

/** Made beside its final place and renamed into it: processes racing to make it never see half of one. */
async function makeTemplate(template: string, open: (dir: string) => PGliteLike): Promise<void> {
  const scratch = `${template}.${process.pid}.${Date.now()}`;
  mkdirSync(scratch, { recursive: true });
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
