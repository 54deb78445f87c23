/** One submission to POST /api/v1/requests and how it ended. */
export type Filing = {
  email: string;
  /** HTTP status; 'hung' when no answer came within the timeout; 'network' when the socket failed. */
  status: number | 'hung' | 'network';
  contentType: string | null;
  body: Record<string, unknown> | undefined;
  /** Date.now() when the answer came (ordering only, never asserted on). */
  at: number;
};

export type FilingLoad = {
  readonly filings: Filing[];
  accepted(): Filing[];
  /** Resolves once `count` submissions answered after `since` match `when`. */
  waitFor(count: number, when: (f: Filing) => boolean, since?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Subjects filing access requests through the JSON API, `workers` at a time, each with a new
 * address, until stopped. Every answer is kept, so a test can say what each one got.
 */
export function startFilingLoad(
  baseUrl: string,
  options: { prefix: string; workers?: number; pauseMs?: number; answerTimeoutMs?: number },
): FilingLoad {
  const filings: Filing[] = [];
  let running = true;
  let n = 0;
  const fileOne = async (): Promise<Filing> => {
    const email = `${options.prefix}-${n++}@example.org`;
    try {
      const res = await fetch(`${baseUrl}/api/v1/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'access', law: 'gdpr', email }),
        signal: AbortSignal.timeout(options.answerTimeoutMs ?? 15_000),
      });
      const text = await res.text();
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      return {
        email,
        status: res.status,
        contentType: res.headers.get('content-type'),
        body,
        at: Date.now(),
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const status = name === 'TimeoutError' ? 'hung' : 'network';
      return { email, status, contentType: null, body: undefined, at: Date.now() };
    }
  };
  const loops = Array.from({ length: options.workers ?? 2 }, async () => {
    while (running) {
      filings.push(await fileOne());
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 50));
    }
  });
  return {
    filings,
    accepted: () => filings.filter((f) => f.status === 202),
    async waitFor(count, when, since = 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (filings.filter((f) => f.at >= since && when(f)).length < count) {
        if (Date.now() > deadline) throw new Error(`fewer than ${count} matching submissions in time`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
