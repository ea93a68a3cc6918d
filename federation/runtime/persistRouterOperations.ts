import { hash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, OperationTypeNode, parse } from 'graphql';
import { buildManifest, type Manifest } from '../../src/persisted/manifest';
import { captureRouterOperations } from './captureRouterOperations';

const USAGE = 'usage: persisted:router -- <manifest.json> <supergraph-operations.graphql>... [--supergraph <file>] [--subgraph <name>]';

/**
 * `npm run persisted:router -- <manifest.json> <operations.graphql>...`: adds to a
 * registry gateway's persisted-operation manifest (PERSISTED_OPERATIONS) the operations
 * the supergraph runtime sends it — `_entities` and root fields, exact texts — when it
 * serves the named supergraph operations in the files, so that a production gateway
 * answers the router's operations for those, and no other. Run it again whenever the
 * supergraph or the operations change.
 */
async function main(args: string[]): Promise<number> {
  const files: string[] = [];
  let supergraphFile = path.join(__dirname, '..', 'supergraph.graphql');
  let subgraph = 'registry-gateway';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--supergraph') supergraphFile = args[++i] ?? '';
    else if (arg === '--subgraph') subgraph = args[++i] ?? '';
    else files.push(arg);
  }
  const [out, ...sources] = files;
  if (!out || sources.length === 0 || !supergraphFile || !subgraph) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const client = buildManifest(sources.map((file) => ({ file, text: readFileSync(file, 'utf8') }))).operations;
  const captured = await captureRouterOperations({
    supergraph: readFileSync(supergraphFile, 'utf8'),
    subgraph,
    operations: client.map((op) => ({ name: op.name, body: op.body })),
  });
  const manifest: Manifest = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as Manifest)
    : { format: 'vn-registry-gateway-persisted-operations', version: 1, operations: [] };
  let added = 0;
  for (const op of captured) {
    const id = hash('sha256', op.body);
    if (manifest.operations.some((o) => o.id === id)) continue;
    const definition = parse(op.body).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    const type = definition?.kind === Kind.OPERATION_DEFINITION ? definition.operation : OperationTypeNode.QUERY;
    manifest.operations.push({ id, name: `${op.client} (through the supergraph)`, type, body: op.body });
    added++;
    process.stdout.write(`  ${id}  ${op.client}: ${op.body.slice(0, 100)}${op.body.length > 100 ? '...' : ''}\n`);
  }
  writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${added} router operation(s) for ${subgraph} added to ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
