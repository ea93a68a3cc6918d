import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../config';
import { loadKeyRing } from '../keys/loadKeyRing';
import type { Logger } from '../logger';

/** Restarts allowed within {@link RESTART_WINDOW_MS}; one more and the whole gateway stops. */
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 60_000;

/**
 * `WORKERS=N`: this process forks N gateway processes that share the listening port
 * (node:cluster hands out connections) and serves nothing itself. A worker that dies is
 * started again, at most {@link MAX_RESTARTS} times a minute (a gateway that keeps dying
 * would otherwise be restarted for ever); beyond that every worker is stopped and the
 * process exits 1. SIGTERM or SIGINT is passed to every worker, which drains as a single
 * process does; the process exits once all have, or after the grace period.
 *
 * Run it only where the cores are the gateway's own: workers compete for CPU with
 * everything else on the machine, PostgreSQL and Redis included.
 */
export async function runPrimary(config: GatewayConfig, logger: Logger): Promise<void> {
  // What the workers must share but development leaves to each process: drawn once here.
  if (!process.env.CACHE_HMAC_SECRET) process.env.CACHE_HMAC_SECRET = randomBytes(32).toString('base64');
  if (!process.env.CACHE_ENCRYPTION_KEYS) process.env.CACHE_ENCRYPTION_KEYS = `w${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}`;
  // Development makes its signing keys when missing: once, before the workers read them.
  if (config.development) await loadKeyRing({ dir: config.signingKeyDir, createIfMissing: true });

  let stopping = false;
  const restarts: number[] = [];
  const listening = new Set<number>();
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('listening', (address: AddressInfo | { address: string; port: number }) => {
      listening.add(worker.id);
      if (announced || listening.size < config.workers) return;
      announced = true;
      const host = address.address && address.address !== '0.0.0.0' && address.address !== '::' ? address.address : config.host;
      process.stdout.write(`\nGateway ready at http://${host.includes(':') ? `[${host}]` : host}:${address.port}  (${config.workers} workers, primary pid ${process.pid})\n\n`);
    });
    return worker;
  };

  const stopAll = (signal: NodeJS.Signals, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping workers');
    const timer = setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000);
    timer.unref();
    const left = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    if (left.length === 0) process.exit(code);
    let remaining = left.length;
    for (const w of left) {
      w.once('exit', () => {
        if (--remaining === 0) process.exit(code);
      });
      w.process.kill('SIGTERM');
    }
  };

  cluster.on('exit', (worker, exitCode, signal) => {
    listening.delete(worker.id);
    if (stopping) return;
    const now = Date.now();
    while (restarts.length > 0 && now - (restarts[0] as number) > RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= MAX_RESTARTS) {
      logger.error({ pid: worker.process.pid, exitCode, signal, restarts: restarts.length }, 'worker died again: too many restarts within a minute, stopping the gateway');
      stopAll('SIGTERM', 1);
      return;
    }
    restarts.push(now);
    logger.warn({ pid: worker.process.pid, exitCode, signal }, 'worker died; starting another');
    fork();
  });

  process.once('SIGTERM', () => stopAll('SIGTERM', 0));
  process.once('SIGINT', () => stopAll('SIGINT', 0));
  for (let i = 0; i < config.workers; i++) fork();
}
