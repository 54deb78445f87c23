import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Logger } from '../logger.ts';
import { answerClientError } from './client-errors.ts';
import {
  type CertificateReloader,
  loadCertificate,
  reportCertificate,
  tlsOptions,
  watchCertificate,
} from './tls-reload.ts';
import type { TlsFiles } from './transport-settings.ts';

export type WebServer = HttpServer | HttpsServer;
export type TlsServing = { files: TlsFiles; logger: Logger; checkMs?: number; now?: () => Date };

/**
 * HTTPS with the configured certificate and key, or plain HTTP (behind a TLS-terminating proxy).
 * With TLS, a renewed certificate is picked up while serving (see watchCertificate).
 */
export function createWebServer(
  listener: RequestListener,
  tls?: TlsServing,
): { server: WebServer; certificate?: CertificateReloader } {
  if (!tls) {
    const server = createHttpServer(listener);
    server.on('clientError', answerClientError);
    return { server };
  }
  const loaded = loadCertificate(tls.files);
  const server = createHttpsServer(tlsOptions(loaded), listener);
  server.on('clientError', answerClientError);
  reportCertificate(loaded, tls.logger, tls.now?.());
  const certificate = watchCertificate(server, tls.files, tls.logger, {
    ...(tls.checkMs ? { intervalMs: tls.checkMs } : {}),
    ...(tls.now ? { now: tls.now } : {}),
  });
  return { server, certificate };
}
