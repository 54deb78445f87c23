import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createWebServer } from '../../../src/transport/tls.ts';

/** One request exactly as it goes on the wire: the path is not normalised, no header is added. */
export type Sent = {
  method: string;
  path: string;
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
};

export type Got = {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The media type without parameters, lower-case ('' when none). */
  type: string;
};

export type RawClient = {
  /** The port the app listens on (127.0.0.1), for raw sockets. */
  port: number;
  send(sent: Sent): Promise<Got>;
  close(): Promise<void>;
};

/**
 * The app on a real port, spoken to with node:http: unlike supertest and fetch, it sends paths with
 * broken percent-encoding and `..` as they are, and no Content-Type unless told.
 */
export async function rawClient(app: Express): Promise<RawClient> {
  // The product's own web server (its answers to requests Node refuses before Express included).
  const { server } = createWebServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  return {
    port,
    send(sent) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(sent.headers ?? {})) {
          if (value !== undefined) headers[name] = value;
        }
        const body = sent.body === undefined ? undefined : Buffer.from(sent.body);
        if (body) headers['content-length'] = String(body.length);
        const req = httpRequest(
          { host: '127.0.0.1', port, method: sent.method, path: sent.path, headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const contentType = String(res.headers['content-type'] ?? '');
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
                type: contentType.split(';')[0]!.trim().toLowerCase(),
              });
            });
          },
        );
        // A request the server never answers is a finding too (not a hang of the test run).
        req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${sent.method} ${sent.path}`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The cookie pairs (`name=value`) a response sets, for sending back. */
export function cookiesOf(got: Got): string[] {
  const set = got.headers['set-cookie'] ?? [];
  return set.map((c) => c.split(';')[0]!).filter((c) => !/=$/.test(c));
}
