import { readFileSync } from 'node:fs';
import { createSupergraphRuntime } from './createSupergraphRuntime';

/**
 * The supergraph runtime as a process of its own, as an agency's router is:
 * `node --import tsx federation/runtime/main.ts --supergraph <file> --subgraph <name>=<url>...
 * [--port N] [--host H]`. Prints one JSON line, `{"url": ...}`, once it listens; its
 * warnings and errors go to stderr as JSON lines; SIGTERM or SIGINT stops it.
 */
async function main(args: string[]): Promise<void> {
  let supergraphFile: string | undefined;
  let port = 0;
  let host = '127.0.0.1';
  const subgraphUrls: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1] ?? ''];
    if (flag === '--supergraph') supergraphFile = value;
    else if (flag === '--port') port = Number(value);
    else if (flag === '--host') host = value;
    else if (flag === '--subgraph' && value.includes('=')) subgraphUrls[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
    else throw new Error(`unexpected argument ${flag}; usage: --supergraph <file> --subgraph <name>=<url>... [--port N] [--host H]`);
  }
  if (!supergraphFile) throw new Error('--supergraph <file> is required');
  const runtime = createSupergraphRuntime({
    supergraph: readFileSync(supergraphFile, 'utf8'),
    subgraphUrls,
    log: (line) => process.stderr.write(line),
  });
  const url = await runtime.listen(port, host);
  const stop = () => {
    runtime.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
