import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A fenced code block of a Markdown file that shows how to use the gateway. */
export interface DocExample {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: 'sh' | 'graphql';
  code: string;
  /** `no-run: <reason>` in the info string: shown, not executed (the reason says why). */
  noRun: string | null;
  /** Other `key:value` words of the info string (`as:citizen:minor`, `expect:CONSENT_REQUIRED`). */
  options: Record<string, string>;
}

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE_LANGUAGES: Record<string, DocExample['language']> = { sh: 'sh', bash: 'sh', shell: 'sh', graphql: 'graphql', gql: 'graphql' };

/** The Markdown files whose examples are run: README.md and everything in docs/. */
export function documentationFiles(): string[] {
  const docs = path.join(ROOT, 'docs');
  return ['README.md', ...readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f))];
}

/**
 * Every shell and GraphQL block of a Markdown file, with what its info string says:
 * ```` ```sh no-run: starts the gateway itself ```` or ```` ```graphql as:citizen:minor ````.
 * Blocks in other languages (json, text, yaml, ...) show data, not usage, and are left out.
 */
export function examplesOf(file: string): DocExample[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const out: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block is never closed`);
    const language = EXAMPLE_LANGUAGES[open[1] as string];
    const info = (open[2] as string).trim();
    if (language) {
      const noRun = /^no-run:\s*(.*)$/.exec(info);
      const options = Object.fromEntries(
        (noRun ? [] : info.split(/\s+/).filter(Boolean)).map((w) => {
          const at = w.indexOf(':');
          return at < 0 ? [w, ''] : [w.slice(0, at), w.slice(at + 1)];
        }),
      );
      out.push({ file, line: i + 1, language, code: lines.slice(i + 1, end).join('\n'), noRun: noRun ? (noRun[1] as string) : null, options });
    }
    i = end;
  }
  return out;
}
