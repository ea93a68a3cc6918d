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

/**
 * `startMockRegistries` in a worker thread of this process: loading the dataset (about a
 * second, tens of megabytes) and serving the registries then run beside the gateway's own
 * start-up instead of before it, and their requests never queue behind the gateway's work.
 * The registries are the same HTTP services on the same kind of ports.
 */
export function startMockRegistriesThread(options: Omit<MockRegistriesOptions, 'dataset'>): Promise<ThreadedMockRegistries> {
  // Built, the thread is the .js file next to this one. Run from source (tsx: `npm run dev`,
  // the tests), it is the .ts file, and a thread does not inherit tsx's hooks: it registers them first.
  const fromSource = path.extname(__filename) === '.ts';
  const entry = path.join(__dirname, `mockRegistriesThread${path.extname(__filename)}`);
  const worker = fromSource
    ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true, workerData: options })
    : new Worker(entry, { workerData: options });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the mock registries' thread stopped with code ${code} before they were ready`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: ThreadMessage) => {
      worker.off('exit', onExit);
      worker.off('error', reject);
      if (message.type !== 'ready') {
        void worker.terminate();
        return reject(new Error(message.type === 'failed' ? message.message : 'the mock registries did not start'));
      }
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
          send({ type: 'stop' });
          await stopped;
          await worker.terminate();
        },
      });
    });
  });
}
