// The simulated subjects' HTTP client: keep-alive JSON POSTs with their latency, and the percentiles.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export type Answer = { status: number; ms: number; body: Record<string, unknown> | undefined };

/** A JSON POST to 127.0.0.1:port; a network error is status 0 (counted, never thrown). */
export function postJson(
  port: number,
  path: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {}
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: parsed });
        });
        res.on('error', () => resolve({ status: 0, ms: performance.now() - started, body: undefined }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, body: undefined }));
    req.end(body);
  });
}

export function closeClient(): void {
  agent.destroy();
}

export type Percentiles = { count: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };

/** Nearest-rank percentiles of latencies in milliseconds, rounded to 0.1 ms. */
export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => {
    if (sorted.length === 0) return 0;
    const value = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
    return Math.round(value * 10) / 10;
  };
  return { count: sorted.length, p50Ms: at(50), p95Ms: at(95), p99Ms: at(99), maxMs: at(100) };
}
