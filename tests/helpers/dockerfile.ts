import { readFileSync } from 'node:fs';

/** One instruction: its keyword, its `--name=value` flags and the rest of the line. */
export interface DockerInstruction {
  keyword: string;
  flags: Record<string, string>;
  /** The arguments after the flags, continuation lines joined. */
  args: string;
}

export interface DockerStage {
  /** `AS name`, or the stage's index. */
  name: string;
  instructions: DockerInstruction[];
}

/**
 * The stages of a Dockerfile, read well enough to reproduce them: comments and the
 * parser directive dropped, `\` continuations joined, leading `--flag=value` split off.
 */
export function readDockerfile(file: string): DockerStage[] {
  const text = readFileSync(file, 'utf8').replace(/\\\r?\n/g, ' ');
  const stages: DockerStage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [keyword = '', ...rest] = line.split(/\s+/);
    const flags: Record<string, string> = {};
    while (rest[0]?.startsWith('--')) {
      const [name, value = ''] = (rest.shift() as string).slice(2).split(/=(.*)/s);
      flags[name as string] = value;
    }
    const instruction = { keyword: keyword.toUpperCase(), flags, args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const as = /\s+AS\s+(\S+)$/i.exec(instruction.args);
      stages.push({ name: as?.[1] ?? String(stages.length), instructions: [instruction] });
    } else if (stages.length > 0) {
      (stages[stages.length - 1] as DockerStage).instructions.push(instruction);
    }
  }
  return stages;
}

/** `["a", "b"]` (exec form) as a list; anything else is refused. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec-form list: ${args}`);
  return parsed as string[];
}

/** `ENV A=1 B=2` as pairs (values without spaces or quotes, the only form used here). */
export function envPairs(args: string): [string, string][] {
  return args.split(/\s+/).map((pair) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(pair);
    if (!m) throw new Error(`ENV in a form this reader does not know: ${args}`);
    return [m[1] as string, m[2] as string];
  });
}
