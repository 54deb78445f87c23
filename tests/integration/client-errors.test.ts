import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorResponse } from '../../src/transport/client-errors.ts';
import { type RawClient, rawClient } from '../helpers/fuzz/client.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// Requests Node's HTTP parser refuses never reach Express: without a handler, Node answers a bare
// status with no body. Rightsdesk answers them like every other refusal.
let rt: TestRuntime;
let client: RawClient;
let port: number;

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false });
  client = await rawClient(rt.app);
  port = client.port;
}, 120_000);

afterAll(async () => {
  await client?.close();
  await rt?.dispose();
});

// 20 kB of address: over Node's 16 kB limit on a request head.
const longSegment = '%F0%9F%98%80'.repeat(1700);

/** Raw bytes on a socket: the answer exactly as the server wrote it, up to the close. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      text += c;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('requests refused before the app', () => {
  it('a page address over the header limit → 431 with a readable HTML page, not an empty answer', async () => {
    const got = await client.send({
      method: 'GET',
      path: `/status/${longSegment}`,
      headers: { accept: 'text/html' },
    });
    expect(got.status).toBe(431);
    expect(got.type).toBe('text/html');
    expect(got.text).toContain('<h1>Request too large</h1>');
    expect(got.headers['cache-control']).toBe('no-store');
  });

  it('an API address over the header limit → 431 problem+json with its status and a code', async () => {
    const got = await client.send({ method: 'GET', path: `/api/v1/requests/${longSegment}` });
    expect(got.status).toBe(431);
    expect(got.type).toBe('application/problem+json');
    expect(JSON.parse(got.text)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
  });

  it('bytes that are not HTTP → 400 with a readable page, and the server goes on serving', async () => {
    const answer = await rawExchange('HELLO THERE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Content-Type: text/html; charset=utf-8');
    expect(answer).toContain('<h1>Bad request</h1>');
    const after = await client.send({ method: 'GET', path: '/healthz' });
    expect(after.status).toBe(200);
  });

  it('a request head that never finishes arriving → 408 with a readable page, not a reset', () => {
    const text = clientErrorResponse(Object.assign(new Error('x'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }));
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toContain('<h1>Request timed out</h1>');
  });

  it('the answer declares its exact length and closes the connection', () => {
    const text = clientErrorResponse(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' }));
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(head).toContain('Connection: close');
  });
});
