import { createServer } from 'node:http';

/**
 * The limit: a raw node:http server answering every POST with a pre-built JSON body
 * (the gateway's own answer, captured). No parsing, no GraphQL, no security.
 */
const bodies = JSON.parse(process.env.BENCH_BODIES ?? '{}') as Record<string, string>;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString();
    const body = text.includes('prefill') ? bodies.prefill : text.includes('Ping') ? bodies.ping : bodies.household;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body ?? '') });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`);
});
