import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// A proxy (nginx, a load balancer) keeps idle upstream connections for about 60 s and reuses them.
// With Node's 5 s the server closed them first, and a request sent as it did failed with a reset (a
// 502 behind a proxy; `npm run load` saw it). Idle sockets must outlive a 60 s proxy.
describe('keep-alive', () => {
  let rt: TestRuntime;
  let server: RunningServer;
  beforeAll(async () => {
    rt = await createTestRuntime();
    server = await startServer(rt, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server?.stop();
    await rt?.dispose();
  });

  const get = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        // Headers, then the JSON body's closing brace: the whole answer is in.
        if (/\r\n\r\n[\s\S]*\}/.test(text)) {
          socket.off('data', onData);
          resolve(text);
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    });

  it('a connection idle for 6 s (past Node’s default 5 s) → still open, and the next request on it answers 200', async () => {
    const { port } = server.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let closedAt: number | undefined;
    socket.once('close', () => {
      closedAt = Date.now();
    });
    expect(await get(socket)).toMatch(/^HTTP\/1\.1 200/);
    expect(server.server.keepAliveTimeout).toBeGreaterThan(60_000);
    await new Promise((r) => setTimeout(r, 6000));
    expect(closedAt).toBeUndefined();
    expect(await get(socket)).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  }, 30_000);
});
