import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startMockRegistriesThread, type ThreadedMockRegistries } from '../mocks/startMockRegistriesThread';
import { ConfigError, loadConfig, needsEmbeddedMocks } from './config';
import type { Gateway } from './createGateway';
import { localCacheDir } from './paths';

/**
 * Aborted by the first SIGINT/SIGTERM: a stop during start-up cancels what has not
 * started and closes what has, and what fails after it is the stop at work, not a failed start.
 */
const cancel = new AbortController();

/**
 * `npm start`: the gateway with its embedded defaults — mock registries over real
 * HTTP and the development identity provider — unless configured otherwise.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // WORKERS=N: this process only starts, watches and stops N gateways sharing the port (src/cluster/runPrimary.ts).
  if (config.workers > 1 && cluster.isPrimary) {
    const { runPrimary } = require('./cluster/runPrimary') as typeof import('./cluster/runPrimary');
    const { createLogger } = require('./logger') as typeof import('./logger');
    return runPrimary(config, createLogger(config.logLevel));
  }
  let mocks: Promise<ThreadedMockRegistries> | undefined;
  let starting: Promise<Gateway> | undefined;
  let gateway: Gateway | undefined;
  // Signals are handled from the start: a stop during start-up still closes what was opened.
  const stop = (signal: string) => {
    if (cancel.signal.aborted) return;
    cancel.abort();
    if (gateway) gateway.logger.info({ signal }, 'stopping');
    else process.stdout.write(`${signal}: stopping during start-up\n`);
    // Bounded: in-flight requests get the grace period, then the process goes regardless.
    const timer = setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000);
    timer.unref();
    // A gateway still being created is stopped once it exists (its store then closes); one that failed has nothing open.
    const stopped = [starting?.then((g) => g.stop(), () => {}), mocks?.then((m) => m.stop(), () => {})];
    Promise.all(stopped).then(
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
    // In a thread of their own: the dataset loads while the gateway opens its store and builds its schema.
    mocks = startMockRegistriesThread(
      { seed, size, latency, cacheDir: path.join(localCacheDir(), 'mock-datasets') },
      { signal: cancel.signal, onStopped: (reason) => process.stderr.write(`The embedded mock registries stopped: ${reason}\n`) },
    );
    // The embedded registries tell the gateway about changes (PATCH /__admin/...) through a signed webhook.
    config.cache.webhookSecret ??= randomBytes(24).toString('base64url');
  }
  // Loaded only now (most of a second): the registries' thread has started on the other core meanwhile.
  const { createGateway } = require('./createGateway') as typeof import('./createGateway');
  starting = createGateway({ config, registryUrls: mocks?.then((m) => m.urls) });
  gateway = await starting;
  // Stopped while starting: stop() closes it; it must not listen.
  if (cancel.signal.aborted) return;
  const url = await gateway.listen();
  const registries = await mocks;
  if (cancel.signal.aborted) return;
  // Change events drop cache entries, close correction requests and queue change notices: sent whatever the cache mode.
  if (registries && config.cache.webhookSecret) registries.addWebhook({ url: `${url}/internal/registry-events`, secret: config.cache.webhookSecret });

  // The primary announces the workers once they all listen.
  if (cluster.isWorker) return;
  const lines = [
    '',
    `Gateway ready at ${url}`,
    `  GraphQL     POST ${url}/graphql${config.production ? '' : `  (playground: open ${url}/graphql in a browser)`}`,
    `  Health      ${url}/healthz  ${url}/readyz  ${url}/metrics`,
  ];
  if (registries) {
    lines.push(`  Registries  embedded mocks, ${registries.citizens} synthetic citizens:`);
    for (const [name, u] of Object.entries(registries.urls)) lines.push(`              ${name.toLowerCase().padEnd(10)} ${u}`);
  }
  if (!config.production) {
    lines.push(`  Personas    ${url}/dev/personas`);
    lines.push(`  Demo portal ${url}/demo/  (prefilled forms)`);
    if (gateway.identityProvider && registries?.firstPersona) {
      const id = registries.firstPersona;
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
  // A start cut short by a signal ends through stop(), not as a failure.
  if (cancel.signal.aborted) return;
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
