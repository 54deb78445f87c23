import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from './runtime.ts';

export type RunningServer = { server: Server; url: string; stop(): Promise<void> };

/** Listens; stop() refuses new connections, lets in-flight requests finish, then closes the runtime. */
export async function startServer(
  runtime: Runtime,
  port = runtime.config.port,
  host?: string,
): Promise<RunningServer> {
  const server = createServer(runtime.app);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(port, host);
  });
  // Idle keep-alive sockets must not hold shutdown open.
  server.keepAliveTimeout = 5000;
  const address = server.address() as AddressInfo;
  const url = `http://${host ?? 'localhost'}:${address.port}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
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
  return { server, url, stop };
}
