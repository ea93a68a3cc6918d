import { appendFile, readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** One line of the checkpoint file. Only `jws` is trusted; the rest is for people reading it. */
export interface CheckpointLine {
  seq: number;
  hash: string;
  at: string;
  jws: string;
}

/**
 * An append-only copy of every signed checkpoint, kept outside the database (a file
 * the operator ships elsewhere: a log collector, object storage with retention lock).
 * Whoever rewrites the database cannot rewrite what was shipped, so `audit:verify`
 * compares the chain with it. Several gateway processes may append to one file: each
 * line is a single write in append mode.
 */
export interface CheckpointFile {
  readonly path: string;
  append(line: CheckpointLine): Promise<void>;
  /** Every line, parsed; lines that are not JSON with a `jws` (a torn last write) are counted apart. */
  read(): Promise<{ lines: CheckpointLine[]; unreadable: number }>;
}

export function createCheckpointFile(file: string): CheckpointFile {
  let dirReady = false;
  return {
    path: file,
    async append(line) {
      if (!dirReady) {
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        dirReady = true;
      }
      await appendFile(file, `${JSON.stringify(line)}\n`, { flag: 'a', mode: 0o640 });
    },
    async read() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return { lines: [], unreadable: 0 };
        throw err;
      }
      const lines: CheckpointLine[] = [];
      let unreadable = 0;
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        try {
          const parsed = JSON.parse(raw) as CheckpointLine;
          if (typeof parsed.jws !== 'string') throw new Error('no jws');
          lines.push(parsed);
        } catch {
          unreadable++;
        }
      }
      return { lines, unreadable };
    },
  };
}
