import http from 'node:http';
import https from 'node:https';

/** A registry's answer, read in full. */
export interface TransportResponse {
  status: number;
  /** A response header by lower-case name. */
  header(name: string): string | undefined;
  text: string;
}

export interface TransportRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Time for the whole exchange: connecting, sending, the answer's last byte. */
  timeoutMs: number;
  /** Largest body read; a larger one is dropped and the connection closed. */
  maxBodyBytes: number;
}

/** How the registry client reaches a registry over HTTP. */
export interface Transport {
  send(url: string, request: TransportRequest): Promise<TransportResponse>;
  /** Closes idle connections. */
  close(): void;
}

export class TransportTimeoutError extends Error {}
export class BodyTooLargeError extends Error {}

/**
 * HTTP/1.1 over node:http with kept-alive connections (at most `maxSockets` per registry;
 * more calls wait for a free one, within their time budget). Plain node:http rather than
 * fetch: fetch's web streams and per-call AbortSignal cost the gateway as much CPU as
 * everything else a registry call does. Asks for uncompressed bodies; idle connections
 * never keep the process alive.
 */
export function createHttpTransport(options: { maxSockets: number }): Transport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' }),
  };
  return {
    send(url, request) {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      return new Promise((resolve, reject) => {
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        const headers: Record<string, string | number> = { 'accept-encoding': 'identity', ...request.headers };
        if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
        const req = (secure ? https : http).request(target, { method: request.method, headers, agent: secure ? agents['https:'] : agents['http:'] }, (res) => {
          const max = request.maxBodyBytes;
          const declared = Number(res.headers['content-length']);
          if (declared > max) {
            settle(() => reject(new BodyTooLargeError(`response body of ${declared} bytes exceeds ${max}`)));
            res.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > max) {
              settle(() => reject(new BodyTooLargeError(`response body exceeds ${max} bytes`)));
              res.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            settle(() =>
              resolve({
                status: res.statusCode ?? 0,
                header: (name) => {
                  const value = res.headers[name];
                  return Array.isArray(value) ? value.join(', ') : value;
                },
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            ),
          );
          res.on('error', (err) => settle(() => reject(err)));
          res.on('close', () => {
            if (!res.complete) settle(() => reject(Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' })));
          });
        });
        const timer = setTimeout(() => {
          settle(() => reject(new TransportTimeoutError(`no answer within ${request.timeoutMs} ms`)));
          req.destroy();
        }, request.timeoutMs);
        req.on('error', (err) => settle(() => reject(err)));
        req.end(request.body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
