import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StoreLockedError } from './StoreLockedError';

/** Held by one process while it has the embedded store open. */
export interface StoreLock {
  /** The lock file: `<dir>/pglite.lock`, holding the owner's pid. */
  readonly file: string;
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/** Lock files this process holds. A lock naming our own pid is ours only if listed here; otherwise an earlier process had the same pid. */
const held = new Set<string>();

/** Creates `file` holding `text`, or returns false if it exists: complete content or no file, never a half-written one. */
function createExclusive(file: string, text: string): boolean {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, text, { mode: 0o644 });
  try {
    linkSync(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(draft);
  }
}

/** The lock's content, or null when there is no lock file any more. */
function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function running(pid: number, file: string): boolean {
  if (pid === process.pid) return held.has(file);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock, but only if it is still the one judged stale: another process
 * may have taken it over since it was read. The lock is moved aside (atomic), checked,
 * and put back if it turns out to be a live one.
 */
function removeStale(file: string, staleText: string): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readFileSync(aside, 'utf8') !== staleText) {
    try {
      linkSync(aside, file);
    } catch {
      // Someone locked it meanwhile: theirs stands.
    }
  }
  unlinkSync(aside);
}

/**
 * Takes the embedded store's directory for this process. Two processes on one PGlite
 * directory overwrite each other's pages and lose audit records, so a second one is
 * refused with a {@link StoreLockedError} naming the first. A lock left by a process that
 * is gone (killed, crashed) is taken over.
 */
export function acquireStoreLock(dir: string): StoreLock {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'pglite.lock');
  const mine = `${process.pid}\n`;
  // A few rounds: each lost race against another process starting at the same moment costs one.
  for (let round = 0; round < 5; round++) {
    if (createExclusive(file, mine)) {
      held.add(file);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          held.delete(file);
          if (readLock(file) === mine) unlinkSync(file);
        },
      };
    }
    const text = readLock(file);
    if (text === null) continue;
    // Content is never partial (see createExclusive), so anything but a pid is not our lock: stale.
    const pid = /^\d+\n?$/.test(text) ? Number(text) : null;
    if (pid !== null && running(pid, file)) throw new StoreLockedError(dir, pid, file);
    removeStale(file, text);
  }
  const owner = Number(readLock(file) ?? 0);
  throw new StoreLockedError(dir, owner, file);
}
