import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { documentationFiles, examplesOf, type DocExample } from './helpers/docExamples';
import { startStack, type Stack } from './helpers/stack';
import { startSupergraph, type Supergraph } from './helpers/supergraph';

/** JSON values printed one after another (curl prints no newline between them). */
function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && --depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
  }
  return values;
}

/** Error codes anywhere in a response body. */
function codesIn(value: unknown): string[] {
  const body = value as { errors?: { extensions?: { code?: string } }[]; error?: { code?: string } };
  return [...(body?.errors ?? []).map((e) => String(e.extensions?.code)), ...(body?.error?.code ? [body.error.code] : [])];
}

/** What a block promises its reader: `# → CODE` means that error; otherwise no error at all. */
function expectedCode(example: DocExample): string | null {
  return example.options.expect ?? /#\s*→\s*([A-Z_]{3,})/.exec(example.code)?.[1] ?? null;
}

/**
 * Every shell and GraphQL example of README.md and docs/*.md, run against a gateway
 * started as `npm start` starts it (embedded mock registries and identity provider), so
 * that the documentation cannot drift from what the gateway does. A block that cannot
 * run here says why in its info string (```sh no-run: <reason>).
 */
describe('the examples of the documentation, as written', () => {
  let stack: Stack;
  /** Started for the examples that ask a supergraph (http://127.0.0.1:4200, as `npm run supergraph` serves it). */
  let supergraph: Supergraph | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-docs-'));
  beforeAll(async () => {
    // Without the cache, so that an example that breaks a registry shows it whatever ran before.
    stack = await startStack({ CACHE_MODE: 'off' });
  });
  afterAll(async () => {
    await supergraph?.stop();
    for (const registry of ['POPULATION', 'RESIDENCE', 'DOCUMENTS'] as const) await stack.fault(registry, 'ok');
    await stack.stop();
  });

  const substitute = (code: string) =>
    code
      .replaceAll('http://127.0.0.1:4200/graphql', supergraph?.url ?? 'http://127.0.0.1:4200/graphql')
      .replaceAll('http://127.0.0.1:4000', stack.url)
      .replaceAll('<population-url>', stack.mocks.urls.POPULATION)
      .replaceAll('<residence-url>', stack.mocks.urls.RESIDENCE)
      .replaceAll('<documents-url>', stack.mocks.urls.DOCUMENTS);

  const runShell = (file: string, code: string, variables: Set<string>): Promise<{ exit: number; stdout: string; stderr: string }> => {
    const state = path.join(dir, `${path.basename(file)}.state`);
    for (const m of code.matchAll(/^\s*([A-Z][A-Z0-9_]*)=/gm)) variables.add(m[1] as string);
    const script = [
      'set -eo pipefail',
      `[ -f '${state}' ] && source '${state}'`,
      substitute(code),
      variables.size > 0 ? `declare -p ${[...variables].join(' ')} > '${state}' 2>/dev/null || true` : '',
    ].join('\n');
    const scriptFile = path.join(dir, 'block.sh');
    writeFileSync(scriptFile, script);
    return new Promise((resolve) => {
      execFile('bash', [scriptFile], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ exit: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  };

  const files = documentationFiles();
  const all = files.flatMap(examplesOf);

  it('finds the examples, and every one that does not run says why', () => {
    expect(all.filter((e) => e.file === 'README.md' && !e.noRun).length).toBeGreaterThanOrEqual(8);
    for (const e of all.filter((x) => x.noRun !== null)) expect(`${e.file}:${e.line} ${e.noRun}`).toMatch(/:\d+ \S+( \S+){2,}/);
  });

  describe.each(files.filter((f) => examplesOf(f).some((e) => !e.noRun)))('%s', (file) => {
    const variables = new Set<string>();
    const runnable = examplesOf(file).filter((e) => !e.noRun);
    it.each(runnable.map((e) => [`line ${e.line}`, e] as const))(
      'answers as written: the example at %s',
      async (_at, example) => {
        const expected = expectedCode(example);
        if (example.language === 'sh') {
          if (example.code.includes('127.0.0.1:4200')) supergraph ??= await startSupergraph({ gatewayUrl: stack.url, dataset: stack.dataset });
          const { exit, stdout, stderr } = await runShell(file, example.code, variables);
          expect({ exit, stderr: stderr.slice(0, 500) }).toEqual({ exit: 0, stderr: '' });
          const values = jsonValues(stdout);
          const codes = values.flatMap(codesIn);
          if (expected) expect(codes).toContain(expected);
          else expect(codes).toEqual([]);
          return;
        }
        // GraphQL: as the citizen of the tour unless the block names another caller (as:agency:CODE:scope:PURPOSE).
        const [kind, who, scope, purpose] = (example.options.as ?? 'citizen:household-of-five').split(':') as [string, string, string?, string?];
        const token = kind === 'agency' ? await stack.agencyToken(who, scope ? [scope] : undefined) : await stack.citizenToken(stack.persona(who));
        const res = await stack.graphql(example.code, { token, headers: purpose ? { 'x-purpose': purpose } : {} });
        const codes = codesIn(res.body);
        if (expected) expect(codes).toContain(expected);
        else {
          expect(codes).toEqual([]);
          expect(res.body.data).toEqual(expect.any(Object));
        }
      },
    );
  });
});
