import { parentPort, workerData } from 'node:worker_threads';
import { startMockRegistries, type MockRegistriesOptions } from './startMockRegistries';
import type { ThreadCommand, ThreadMessage } from './startMockRegistriesThread';

/** The worker thread of `startMockRegistriesThread`: starts the registries and answers its commands. */
const port = parentPort;
if (!port) throw new Error('mockRegistriesThread runs as a worker thread (startMockRegistriesThread)');
const post = (message: ThreadMessage) => port.postMessage(message);

startMockRegistries(workerData as MockRegistriesOptions).then(
  (mocks) => {
    port.on('message', (command: ThreadCommand) => {
      if (command.type === 'webhook') {
        for (const server of Object.values(mocks.servers)) server.addWebhook(command.webhook);
      } else if (command.type === 'stop') {
        mocks.stop().then(
          () => post({ type: 'stopped' }),
          () => post({ type: 'stopped' }),
        );
      }
    });
    post({ type: 'ready', urls: mocks.urls, citizens: mocks.dataset.people.size, firstPersona: mocks.dataset.personas[0]?.personalId ?? null });
  },
  (err: unknown) => post({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
);
