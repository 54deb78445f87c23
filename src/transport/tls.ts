import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { answerClientError } from './client-errors.ts';
import type { TlsFiles } from './transport-settings.ts';

export type WebServer = HttpServer | HttpsServer;

/** HTTPS with the configured certificate and key, or plain HTTP (behind a TLS-terminating proxy). */
export function createWebServer(listener: RequestListener, tls: TlsFiles | undefined): WebServer {
  const server = tls
    ? // Read at start: a renewed certificate takes effect on restart.
      createHttpsServer(
        { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), minVersion: 'TLSv1.2' },
        listener,
      )
    : createHttpServer(listener);
  server.on('clientError', answerClientError);
  return server;
}
