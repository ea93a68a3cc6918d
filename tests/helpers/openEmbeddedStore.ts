import { createStore } from '../../src/store/createStore';

/**
 * A process that opens the embedded store in the directory given as its argument,
 * prints `open <pid>` once it holds it, writes one row per line read on stdin, and
 * closes the store when stdin ends. A refusal goes to stderr, with exit code 1.
 */
async function main(dataDir: string): Promise<void> {
  const store = await createStore({ databaseUrl: null, dataDir });
  await store.exec('CREATE TABLE IF NOT EXISTS lock_probe (pid int, line text)');
  process.stdout.write(`open ${process.pid}\n`);
  let pending = '';
  let writes = Promise.resolve();
  process.stdin.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      writes = writes.then(async () => {
        await store.query('INSERT INTO lock_probe VALUES ($1, $2)', [process.pid, line]);
        process.stdout.write(`wrote ${line}\n`);
      });
    }
  });
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await writes;
  await store.close();
}

main(process.argv[2] as string).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
