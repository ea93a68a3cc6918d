import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RegistryName } from '../connectors/types';
import type { Webhook } from './createRegistryServer';
import type { MockRegistriesOptions } from './startMockRegistries';

/** The mock registries served from a worker thread: what the process that started them needs. */
export interface ThreadedMockRegistries {
  urls: Record<RegistryName, string>;
  /** Citizens in the dataset. */
  citizens: number;
  /** The personal ID of the first persona, for the start-up hint. */
  firstPersona: string | null;
  /** Change events of every registry go to this URL too. */
  addWebhook(webhook: Webhook): void;
  stop(): Promise<void>;
}

/** What the thread posts back. */
export type ThreadMessage =
  | { type: 'ready'; urls: Record<RegistryName, string>; citizens: number; firstPersona: string | null }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };

/** What the thread is told. */
export type ThreadCommand = { type: 'webhook'; webhook: Webhook } | { type: 'stop' };

/** How the starting thread controls and hears from the registries' thread. */
export interface ThreadControl {
  /** Aborted before the registries are ready: the thread is ended and the start rejects. */
  signal?: AbortSignal;
  /** The thread ended, or failed, while serving, other than by `stop()`. */
  onStopped?: (reason: string) => void;
}

/** How long `stop()` lets the thread close its servers before ending it regardless. */
const STOP_GRACE_MS = 5000;

/**
 * `startMockRegistries` in a worker thread of this process: opening the dataset (or, the
 * first time, generating it: about 4 CPU-seconds) and serving the registries then run
 * beside the gateway's own start-up instead of before it, and their requests never queue
 * behind the gateway's work.
 * The registries are the same HTTP services on the same kind of ports.
 */
export function startMockRegistriesThread(options: Omit<MockRegistriesOptions, 'dataset'>, control: ThreadControl = {}): Promise<ThreadedMockRegistries> {
  // Built, the thread is the .js file next to this one. Run from source (tsx: `npm run dev`,
  // the tests), it is the .ts file, and a thread does not inherit tsx's hooks: it registers them first.
  const fromSource = path.extname(__filename) === '.ts';
  const entry = path.join(__dirname, `mockRegistriesThread${path.extname(__filename)}`);
  const worker = fromSource
    ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`, { eval: true, workerData: options })
    : new Worker(entry, { workerData: options });
  let ready = false;
  let stopping = false;
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      void worker.terminate();
      reject(new Error('the mock registries were stopped before they were ready'));
    };
    if (control.signal?.aborted) return cancelled();
    control.signal?.addEventListener('abort', cancelled, { once: true });
    worker.on('error', (err) => (ready ? control.onStopped?.(err.message) : reject(err)));
    worker.on('exit', (code) => {
      if (!ready) reject(new Error(`the mock registries' thread stopped with code ${code} before they were ready`));
      else if (!stopping) control.onStopped?.(`their thread ended with code ${code}`);
    });
    worker.once('message', (message: ThreadMessage) => {
      control.signal?.removeEventListener('abort', cancelled);
      if (message.type !== 'ready') {
        void worker.terminate();
        return reject(new Error(message.type === 'failed' ? message.message : 'the mock registries did not start'));
      }
      ready = true;
      const stopped = new Promise<void>((done) => {
        worker.on('message', (m: ThreadMessage) => m.type === 'stopped' && done());
        worker.once('exit', () => done());
      });
      const send = (command: ThreadCommand) => worker.postMessage(command);
      resolve({
        urls: message.urls,
        citizens: message.citizens,
        firstPersona: message.firstPersona,
        addWebhook: (webhook) => send({ type: 'webhook', webhook }),
        // Servers closed in the thread (their connections drained), then the thread itself ends.
        stop: async () => {
          if (stopping) return stopped;
          stopping = true;
          send({ type: 'stop' });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([stopped, new Promise<void>((done) => (timer = setTimeout(done, STOP_GRACE_MS)))]);
          clearTimeout(timer);
          await worker.terminate();
        },
      });
    });
  });
}
