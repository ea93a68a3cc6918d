import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver answers: 202, 500, never, or a redirect to another of its paths. */
export type ReceiverMode = 'accept' | 'fail' | 'hang' | 'redirect';

/** One POST the receiver got, whatever it answered. */
export interface ReceivedPost {
  path: string;
  contentType: string | undefined;
  body: string;
}

/** An agency's notice endpoint, as a real HTTP server on a free port. */
export interface NoticeReceiver {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  received: ReceivedPost[];
  mode: ReceiverMode;
  /** Requests to the redirect target: a gateway that followed a redirect would show here. */
  redirectedHits(): number;
  stop(): Promise<void>;
}

/** Starts a notice endpoint that records every POST and answers as `mode` says. */
export async function startNoticeReceiver(): Promise<NoticeReceiver> {
  const hanging = new Set<ServerResponse>();
  let redirected = 0;
  const receiver: NoticeReceiver = {
    url: '',
    received: [],
    mode: 'accept',
    redirectedHits: () => redirected,
    async stop() {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 65_536) chunks.push(c);
    });
    req.on('end', () => {
      if (req.url === '/elsewhere') {
        redirected++;
        res.writeHead(202).end();
        return;
      }
      receiver.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      switch (receiver.mode) {
        case 'accept':
          res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
          return;
        case 'fail':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('stack trace of the receiver: must never reach the gateway logs');
          return;
        case 'redirect':
          res.writeHead(302, { location: `${receiver.url}/elsewhere` }).end();
          return;
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
