import { loadMockConfig } from '../src/config';
import { startMockRegistries } from './startMockRegistries';

/** `npm run mocks`: the three mock registries on their own, on fixed ports. */
async function main(): Promise<void> {
  const { seed, size, latency, ports, host } = loadMockConfig(process.env);
  const mocks = await startMockRegistries({ seed, size, latency, ports, host });
  process.stdout.write(`Mock registries (${mocks.dataset.people.size} citizens, seed "${seed}"):\n`);
  for (const [name, url] of Object.entries(mocks.urls)) process.stdout.write(`  ${name.padEnd(10)} ${url}\n`);
  process.stdout.write(`Point a gateway at them with POPULATION_URL, RESIDENCE_URL and DOCUMENTS_URL.\n`);
  const stop = () => {
    mocks.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
