import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A registry's change-event subscriber, as a real HTTP server on a free port, keeping the first event. */
export interface RegistryEventReceiver {
  /** Where the registry should deliver (`addWebhook`). */
  url: string;
  /** The first event delivered: its body and its `X-Registry-Signature`. */
  first: Promise<{ body: string; signature: string }>;
  close(): Promise<void>;
}

export async function startRegistryEventReceiver(): Promise<RegistryEventReceiver> {
  let resolveFirst: (event: { body: string; signature: string }) => void = () => {};
  const first = new Promise<{ body: string; signature: string }>((resolve) => (resolveFirst = resolve));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      res.writeHead(204).end();
      resolveFirst({ body, signature: String(req.headers['x-registry-signature']) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    first,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
