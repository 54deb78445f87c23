import { type HttpSourceServer, type SourceReply, startHttpSource } from '../http-source.ts';

export type IdempotentSource = {
  readonly server: HttpSourceServer;
  /** Effects applied (one per new Idempotency-Key), with the subject each was applied to. */
  readonly effects: { key: string; subject: string }[];
  /** Calls received per Idempotency-Key (retries included). */
  readonly calls: Map<string, number>;
  /** How the next calls are answered once their effect is applied (held, refused, answered). */
  reply(next: (call: number) => SourceReply): void;
  /** Resolves when `count` calls in all have arrived. */
  waitForCalls(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/**
 * A data source that does what a real one must for retries to be safe: the first call with a key
 * applies the effect (the opt-out, the erasure) at once, and a repeat with that key applies nothing
 * again however the first one ended (even if the caller never saw its answer).
 */
export async function startIdempotentSource(secret: string): Promise<IdempotentSource> {
  const server = await startHttpSource({ secret, now: () => new Date() });
  const effects: { key: string; subject: string }[] = [];
  const calls = new Map<string, number>();
  let next: (call: number) => SourceReply = () => ({ status: 200, body: {} });
  server.answer((req) => {
    const key = String(req.headers['idempotency-key'] ?? '');
    const call = (calls.get(key) ?? 0) + 1;
    calls.set(key, call);
    if (!effects.some((e) => e.key === key)) {
      const body = JSON.parse(req.body) as { subject?: { email?: string } };
      effects.push({ key, subject: body.subject?.email ?? '' });
    }
    return next(call);
  });
  const total = () => [...calls.values()].reduce((a, b) => a + b, 0);
  return {
    server,
    effects,
    calls,
    reply(handler) {
      next = handler;
    },
    async waitForCalls(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (total() < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} calls, got ${total()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => server.close(),
  };
}
