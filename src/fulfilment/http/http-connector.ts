import type {
  Connector,
  ConnectorResult,
  ErasurePlan,
  FulfilmentAction,
  Receipt,
  RecordSink,
  TaskContext,
} from '../connector.ts';
import type { SourceConfig } from '../sources-schemas.ts';
import { MAX_BODY_BYTES, type SourceAnswer, type SourceRecords, sourceAnswer } from './http-schemas.ts';
import { SIGNATURE_HEADER, signBody, verifySignature } from './signature.ts';

export type HttpSourceConfig = Extract<SourceConfig, { kind: 'http' }>;

export type HttpConnectorOptions = {
  /** The shared HMAC secret (read from the source's secretEnv by the caller). */
  secret: string;
  /** Rightsdesk's own public URL; the source calls back at {publicUrl}/api/v1/callbacks/{name}. */
  publicUrl: string;
  /** Signs requests and judges the answers' signature timestamps. */
  now: () => Date;
};

/**
 * A source failed in a way worth retrying. The message names the source and the problem only: it is
 * kept on the task and shown to the DPO, so it never carries personal data, the URL or the secret.
 */
export class HttpSourceError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source} ${problem}`);
    this.name = 'HttpSourceError';
  }
}

const ROWS_PER_WRITE = 1000;

const actionLabel: Record<FulfilmentAction, string> = {
  access: 'access',
  erase: 'erasure',
  rectify: 'rectification',
  opt_out: 'opt-out',
};

const signatureProblem = {
  missing: 'is missing',
  malformed: 'is malformed',
  stale: 'is stale (its timestamp is too far from our clock)',
  mismatch: 'does not match (wrong secret or altered body)',
} as const;

/** The receipt of a finished http task, from its 200 answer or its done callback. */
export function httpSourceReceipt(
  source: string,
  action: FulfilmentAction,
  answer: { receipt?: Record<string, unknown> | undefined; records?: SourceRecords | undefined },
): Receipt {
  const collections = Object.entries(answer.records ?? {}).map(([collection, rows]) => ({
    collection,
    found: rows.length,
  }));
  let summary = `${source} confirmed the ${actionLabel[action]}`;
  if (action === 'access') {
    const found = collections.reduce((n, c) => n + c.found, 0);
    summary =
      found === 0
        ? `${source} holds no records of the subject`
        : `${source} returned ${found} record${found === 1 ? '' : 's'} in ${collections.length} collection${collections.length === 1 ? '' : 's'}`;
  }
  return { collections, fields: [], ...(answer.receipt ? { external: answer.receipt } : {}), summary };
}

/** Writes each collection's rows to the sink in batches, so a big answer is stored in steps. */
export async function writeRecords(sink: RecordSink, records: SourceRecords): Promise<void> {
  for (const [collection, rows] of Object.entries(records)) {
    for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) {
      await sink.write(collection, rows.slice(i, i + ROWS_PER_WRITE));
    }
  }
}

/** Reads at most `cap` bytes; undefined (and the stream cancelled) when the body is larger. */
async function readCapped(response: Response, cap: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function transportProblem(error: unknown, timeoutMs: number): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return `did not answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return `is unreachable${code ? ` (${code})` : ''}`;
}

/** The zod issue a DPO can act on: where in the answer, and what is wrong (never the value). */
function firstIssue(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return 'unknown problem';
  const path = issue.path.map(String).join('.') || '(body)';
  return `${path}: ${issue.message}`;
}

export function createHttpConnector(source: HttpSourceConfig, options: HttpConnectorOptions): Connector {
  const { name } = source;
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const callbackUrl = `${publicUrl}/api/v1/callbacks/${encodeURIComponent(name)}`;
  const fail = (problem: string) => new HttpSourceError(name, problem);

  /** POSTs the task, then returns the answer's status and its body, checked against its signature. */
  async function call(ctx: TaskContext): Promise<{ status: number; text: string }> {
    const body = JSON.stringify({
      action: ctx.action,
      reference: ctx.reference,
      subject: { email: ctx.subject.email, ...(ctx.subject.name ? { name: ctx.subject.name } : {}) },
      ...(ctx.action === 'rectify' ? { corrections: ctx.corrections } : {}),
      callbackUrl,
    });
    let status: number;
    let header: string | undefined;
    let text: string | undefined;
    try {
      const response = await fetch(source.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          [SIGNATURE_HEADER]: signBody(options.secret, body, options.now()),
          'Idempotency-Key': ctx.taskId,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(source.timeoutMs),
      });
      status = response.status;
      if (status !== 200 && status !== 202) {
        await response.body?.cancel().catch(() => {});
        if (status >= 300 && status < 400)
          throw fail(`answered a redirect (${status}); redirects are refused`);
        throw fail(`answered ${status}`);
      }
      header = response.headers.get(SIGNATURE_HEADER) ?? undefined;
      text = await readCapped(response, MAX_BODY_BYTES);
      if (text === undefined) throw fail(`answered more than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
    } catch (error) {
      if (error instanceof HttpSourceError) throw error;
      throw fail(transportProblem(error, source.timeoutMs));
    }
    // Only what the source signed counts, 202 included: a forged 202 would park the task for good.
    const check = verifySignature(options.secret, header, text, options.now());
    if (!check.ok) throw fail(`answer's signature ${signatureProblem[check.problem]}`);
    return { status, text };
  }

  return {
    name,
    kind: 'http',
    supports: (action) => source.actions.includes(action),
    async check() {
      // Nothing to compare: an http source publishes no schema. Reachability shows on the first task.
    },
    async run(ctx): Promise<ConnectorResult> {
      if (!source.actions.includes(ctx.action)) throw fail(`does not support ${ctx.action}`);
      const { status, text } = await call(ctx);
      if (status === 202) return { state: 'waiting' };
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw fail('answered with a body that is not JSON');
      }
      const parsed = sourceAnswer.safeParse(json);
      if (!parsed.success) throw fail(`answered with an invalid body (${firstIssue(parsed.error.issues)})`);
      const answer: SourceAnswer = parsed.data;
      if (answer.records && ctx.action !== 'access')
        throw fail(`answered with records to ${ctx.action}; only an access answer carries records`);
      if (ctx.action === 'access' && answer.records) await writeRecords(ctx.records, answer.records);
      return { state: 'done', receipt: httpSourceReceipt(name, ctx.action, answer) };
    },
    async planErasure(): Promise<ErasurePlan> {
      const notes = source.actions.includes('erase')
        ? [`asks ${name} to erase what it holds (${source.holds.join(', ')})`]
        : [`${name} has no erase capability; what it holds (${source.holds.join(', ')}) stays`];
      return { source: name, kind: 'http', fields: [], notes };
    },
    // An http source's current values are unknown until it is asked to change them.
    rectificationDiff: async () => [],
    async close() {},
  };
}
