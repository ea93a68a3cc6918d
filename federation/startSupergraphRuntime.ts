import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../src/paths';

/** Where the runtime process listens and where it finds the subgraphs. */
export interface SupergraphRuntimeProcessOptions {
  /** Subgraph GraphQL endpoints by subgraph name, in place of the URLs in the supergraph file. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** Default: federation/supergraph.graphql. */
  supergraphFile?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** A running supergraph runtime process. */
export interface SupergraphRuntimeProcess {
  /** Base URL; GraphQL at `<url>/graphql`. */
  url: string;
  /** What the runtime wrote to stderr so far (JSON lines). */
  logs(): string;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the supergraph runtime (federation/runtime/main.ts) as a process of its own, as
 * an agency's router runs beside the subgraphs; resolves once it listens. Only this
 * process is ever signalled, by its id.
 */
export function startSupergraphRuntime(options: SupergraphRuntimeProcessOptions): Promise<SupergraphRuntimeProcess> {
  const root = packageRoot();
  const args = [
    '--import',
    'tsx',
    path.join(root, 'federation', 'runtime', 'main.ts'),
    '--supergraph',
    options.supergraphFile ?? path.join(root, 'federation', 'supergraph.graphql'),
    '--port',
    String(options.port ?? 0),
    '--host',
    options.host ?? '127.0.0.1',
    ...Object.entries(options.subgraphUrls).flatMap(([name, url]) => ['--subgraph', `${name}=${url}`]),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the supergraph runtime exited (${code}) before listening: ${stderr.join('').slice(0, 2000)}`));
    child.once('exit', onExit);
    child.once('error', reject);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      child.off('exit', onExit);
      lines.close();
      child.stdout.resume();
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        logs: () => stderr.join(''),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
