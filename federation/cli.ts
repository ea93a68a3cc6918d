import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/paths';
import { generateFederationFiles, staleFederationFiles } from './federationFiles';

/**
 * `npm run subgraph:sdl` writes the gateway's subgraph SDL and the supergraph composed
 * with the social insurance subgraph; `npm run subgraph:check` exits 1, naming them,
 * when the checked-in files are stale (or the subgraphs no longer compose).
 * `--root <dir>` checks or writes under another directory.
 */
function main(args: string[]): number {
  const [command, flag, dir] = args;
  const root = flag === '--root' && dir ? path.resolve(dir) : packageRoot();
  const files = generateFederationFiles();
  if (command === 'write') {
    for (const f of files) {
      mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
      writeFileSync(path.join(root, f.path), f.text);
      process.stdout.write(`wrote ${f.path}\n`);
    }
    return 0;
  }
  if (command === 'check') {
    const stale = staleFederationFiles(files, root);
    if (stale.length === 0) return 0;
    process.stderr.write(`Stale federation files (run npm run subgraph:sdl and commit them): ${stale.join(', ')}\n`);
    return 1;
  }
  process.stderr.write('usage: cli.ts write|check [--root <dir>]\n');
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
