import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, signBody } from '../../src/fulfilment/http/signature.ts';

/** One request the source received, as it arrived on the wire. */
export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
};

export type SourceReply = {
  status: number;
  /** A string or object (sent as JSON text); a generator streams chunks (e.g. a body too large to build). */
  body?: string | Record<string, unknown> | (() => AsyncIterable<Buffer>);
  headers?: Record<string, string>;
  /**
   * How the answer is signed: 'valid' (default) with the source's secret and clock; 'none'; an other
   * secret; a time other than the clock; or a header sent as given.
   */
  sign?: 'valid' | 'none' | { secret: string } | { at: Date } | { header: string };
  /** Waits this long before answering (timeouts). */
  delayMs?: number;
};

export type HttpSourceServer = {
  /** The URL to configure as the source's `url` (path /rightsdesk). */
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Streamed answers whose client went away before the last chunk (oversized answers). */
  readonly abortedStreams: number;
  /** Sets how the next requests are answered. */
  answer(handler: (req: ReceivedRequest) => SourceReply): void;
  close(): Promise<void>;
};

/**
 * A real HTTP server on 127.0.0.1 (port 0) playing a data source: it records every request and
 * answers as told, signing its answers the way a well-behaved source does.
 */
export async function startHttpSource(options: {
  secret: string;
  now: () => Date;
}): Promise<HttpSourceServer> {
  const received: ReceivedRequest[] = [];
  let abortedStreams = 0;
  let handler: (req: ReceivedRequest) => SourceReply = () => ({ status: 200, body: {} });

  async function send(res: ServerResponse, reply: SourceReply) {
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...reply.headers };
    if (typeof reply.body === 'function') {
      let closed = false;
      res.once('close', () => {
        closed = true;
      });
      res.on('error', () => {});
      res.writeHead(reply.status, headers);
      for await (const chunk of reply.body()) {
        if (closed) break;
        if (!res.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      }
      if (closed) abortedStreams++;
      else res.end();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    const sign = reply.sign ?? 'valid';
    if (sign === 'valid') headers[SIGNATURE_HEADER] = signBody(options.secret, text, options.now());
    else if (sign === 'none') {
      // unsigned
    } else if ('secret' in sign) headers[SIGNATURE_HEADER] = signBody(sign.secret, text, options.now());
    else if ('at' in sign) headers[SIGNATURE_HEADER] = signBody(options.secret, text, sign.at);
    else headers[SIGNATURE_HEADER] = sign.header;
    res.writeHead(reply.status, headers);
    res.end(text);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      send(res, handler(request)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rightsdesk`,
    received,
    get abortedStreams() {
      return abortedStreams;
    },
    answer(next) {
      handler = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `count` chunks of `size` bytes of JSON-ish filler, produced lazily. */
export async function* filler(size: number, count: number): AsyncIterable<Buffer> {
  const chunk = Buffer.alloc(size, 'a');
  for (let i = 0; i < count; i++) yield chunk;
}
