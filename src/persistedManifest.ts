import { readFileSync, writeFileSync } from 'node:fs';
import { createSchema } from './graphql/createSchema';
import { buildManifest } from './persisted/manifest';

/**
 * `npm run persisted:manifest -- <out.json> <operations.graphql>...`: the manifest a
 * production gateway loads (PERSISTED_OPERATIONS) from the operations a portal ships,
 * each checked against the gateway's schema.
 */
function main(args: string[]): number {
  const [out, ...files] = args;
  if (!out || files.length === 0) {
    process.stderr.write('usage: persisted:manifest <out.json> <operations.graphql>...\n');
    return 2;
  }
  const manifest = buildManifest(
    files.map((file) => ({ file, text: readNamed(file) })),
    createSchema().schema,
  );
  if (manifest.operations.length === 0) {
    process.stderr.write(`no operation in ${files.join(', ')}: nothing written\n`);
    return 1;
  }
  writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${manifest.operations.length} operation(s) written to ${out}\n`);
  for (const op of manifest.operations) process.stdout.write(`  ${op.id}  ${op.type} ${op.name}\n`);
  return 0;
}

/** A file's text; a failure to read it names the file (Node's EISDIR, for one, does not). */
function readNamed(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
