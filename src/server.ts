import type { AddressInfo } from 'node:net';
import type { Runtime } from './runtime.ts';
import { createWebServer, type WebServer } from './transport/tls.ts';

export type RunningServer = {
  server: WebServer;
  url: string;
  stop(): Promise<void>;
  /** Reads the TLS certificate and key again now (SIGHUP); false if they were refused. Absent without TLS. */
  reloadCertificate?: () => boolean;
};

/** Listens; stop() refuses new connections, lets in-flight requests finish, then closes the runtime. */
export async function startServer(
  runtime: Runtime,
  port = runtime.config.port,
  host?: string,
  options: { certificateCheckMs?: number } = {},
): Promise<RunningServer> {
  const { tls } = runtime.config;
  const { server, certificate } = createWebServer(
    runtime.app,
    tls && { files: tls, logger: runtime.logger, checkMs: options.certificateCheckMs, now: runtime.now },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(port, host);
  }).catch((error: unknown) => {
    certificate?.stop();
    throw error;
  });
  // Longer than a proxy's or a client's idle keep-alive (nginx and load balancers keep 60 s): with
  // Node's 5 s, the server closed idle sockets just as the other side reused them, and those requests
  // failed with a reset (a 502 behind a proxy; `npm run load` saw it). stop() closes idle sockets
  // itself, so this does not hold shutdown open.
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const url = `${runtime.config.tls ? 'https' : 'http'}://${host ?? 'localhost'}:${address.port}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      certificate?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets go idle as their in-flight responses finish; close each as soon as it does.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      // In-flight requests get up to 7 s; then their sockets are cut so the process can exit within 10 s.
      const cut = setTimeout(() => server.closeAllConnections(), 7000);
      await closed;
      clearInterval(sweep);
      clearTimeout(cut);
      await runtime.close();
    })();
    return stopping;
  };
  return { server, url, stop, ...(certificate ? { reloadCertificate: certificate.reload } : {}) };
}
