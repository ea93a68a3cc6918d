import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { ConfigError, loadConfig, needsEmbeddedMocks } from './config';
import { createGateway, type Gateway } from './createGateway';
import { runPrimary } from './cluster/runPrimary';
import { createLogger } from './logger';

/**
 * `npm start`: the gateway with its embedded defaults — mock registries over real
 * HTTP and the development identity provider — unless configured otherwise.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // WORKERS=N: this process only starts, watches and stops N gateways sharing the port (src/cluster/runPrimary.ts).
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, createLogger(config.logLevel));
  let mocks: MockRegistries | undefined;
  let gateway: Gateway | undefined;
  // Signals are handled from the start: a stop during start-up still closes what was opened.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway?.logger.info({ signal }, 'stopping');
    // Bounded: in-flight requests get the grace period, then the process goes regardless.
    const timer = setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000);
    timer.unref();
    Promise.all([gateway?.stop(), mocks?.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // A worker whose primary is gone receives no more connections: it stops too.
  if (cluster.isWorker) process.once('disconnect', () => stop('primary gone'));

  if (needsEmbeddedMocks(config)) {
    const { seed, size, latency } = config.mocks;
    mocks = await startMockRegistries({ seed, size, latency, cacheDir: path.join(config.dataDir, 'mock-datasets') });
    // The embedded registries tell the gateway about changes (PATCH /__admin/...) through a signed webhook.
    config.cache.webhookSecret ??= randomBytes(24).toString('base64url');
  }
  gateway = await createGateway({ config, registryUrls: mocks?.urls });
  const url = await gateway.listen();
  // Change events drop cache entries, close correction requests and queue change notices: sent whatever the cache mode.
  if (mocks && config.cache.webhookSecret) {
    for (const server of Object.values(mocks.servers)) {
      server.addWebhook({ url: `${url}/internal/registry-events`, secret: config.cache.webhookSecret });
    }
  }

  // The primary announces the workers once they all listen.
  if (cluster.isWorker) return;
  const lines = [
    '',
    `Gateway ready at ${url}`,
    `  GraphQL     POST ${url}/graphql${config.production ? '' : `  (playground: open ${url}/graphql in a browser)`}`,
    `  Health      ${url}/healthz  ${url}/readyz  ${url}/metrics`,
  ];
  if (mocks) {
    lines.push(`  Registries  embedded mocks, ${mocks.dataset.people.size} synthetic citizens:`);
    for (const [name, u] of Object.entries(mocks.urls)) lines.push(`              ${name.toLowerCase().padEnd(10)} ${u}`);
  }
  if (!config.production) {
    lines.push(`  Personas    ${url}/dev/personas`);
    lines.push(`  Demo portal ${url}/demo/  (prefilled forms)`);
    if (gateway.identityProvider && mocks?.dataset.personas[0]) {
      const id = mocks.dataset.personas[0].personalId;
      lines.push(
        '',
        'Get a citizen token:',
        `  curl -s -X POST ${url}/dev/token -H 'content-type: application/json' -d '{"role":"citizen","sub":"${id}"}'`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
