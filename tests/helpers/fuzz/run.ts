import fc from 'fast-check';
import type { Got, RawClient, Sent } from './client.ts';
import { xssMarker } from './hostile.ts';
import { changedTables, type Snapshot } from './snapshot.ts';

/** One route under fuzz: its cases and what its answers must look like. */
export type Endpoint = {
  /** `METHOD /express/pattern`, exactly as the router registers it (the coverage test compares). */
  route: string;
  /** json: every 4xx is problem+json; html: a page (or problem+json when the client asked for JSON). */
  kind: 'json' | 'html';
  cases: fc.Arbitrary<Sent>;
  /** Body or query fields the endpoint may name in `errors[].path`. */
  fields?: readonly string[];
  /** Tables a refused request may still change (attempt counters, see snapshot.ts). */
  mayChangeOn4xx?: readonly string[];
  /** At least one answer must have one of these statuses: the fuzz got past the door (CSRF, auth). */
  reaches?: readonly number[];
  /** The endpoint's own problem documents carry no Rightsdesk `code` (the demo newsletter's). */
  foreignProblems?: boolean;
};

export type FuzzTarget = {
  client: RawClient;
  snapshot: () => Promise<Snapshot>;
  /** Runs before every case (e.g. forget rate-limit windows). */
  beforeEach?: () => Promise<void>;
};

/** FUZZ_SEED replays a failing run (fast-check prints the seed and path on failure). */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const runScale = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
export const runs = (n: number) => Math.max(1, Math.round(n * runScale));

const describeSent = (s: Sent) => {
  const body = s.body === undefined ? '' : String(s.body);
  const shown = body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body;
  return `${s.method} ${s.path.slice(0, 300)} ${JSON.stringify(s.headers ?? {})} ${JSON.stringify(shown)}`;
};

function parsedKeys(sent: Sent): { keys: string[]; isObject: boolean } {
  const query = new URLSearchParams(sent.path.split('?')[1] ?? '');
  const keys = [...query.keys()];
  // body-parser skips a leading BOM, as JSON.parse does not.
  const text = sent.body === undefined ? '' : String(sent.body).replace(/^\ufeff/, '');
  try {
    const value: unknown = JSON.parse(text);
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    return { keys: [...keys, ...(isObject ? Object.keys(value) : [])], isObject: isObject || !text };
  } catch {
    return { keys: [...keys, ...new URLSearchParams(text).keys()], isObject: true };
  }
}

/** What every answer must satisfy; throws an Error naming the broken property. */
export function checkAnswer(endpoint: Endpoint, sent: Sent, got: Got): void {
  const fail: (why: string) => never = (why) => {
    throw new Error(`${why}\n  sent: ${describeSent(sent)}\n  got: ${got.status} ${got.text.slice(0, 400)}`);
  };
  if (got.status >= 500 || got.status < 100) fail(`a ${got.status}`);
  if (got.status >= 300 && got.status < 400) {
    const location = String(got.headers.location ?? '');
    if (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\'))
      fail(`a redirect off the site: ${location}`);
  }
  if (got.type === 'text/html' && got.text.includes(xssMarker.slice(0, 13)))
    fail('hostile markup echoed unescaped into a page');
  if (got.status < 400) return;
  const problem = got.type === 'application/problem+json';
  if (endpoint.kind === 'json' && !problem) fail(`a ${got.status} that is not problem+json (${got.type})`);
  if (endpoint.kind === 'html' && !problem && got.type !== 'text/html')
    fail(`a ${got.status} as ${got.type}`);
  if (!problem) return;
  let body: { status?: unknown; code?: unknown; errors?: unknown } = {};
  try {
    body = JSON.parse(got.text);
  } catch {
    fail('problem+json that is not JSON');
  }
  if (body.status !== got.status) fail('problem status differs from the HTTP status');
  if (endpoint.foreignProblems) return;
  if (typeof body.code !== 'string') fail('problem without a code');
  if (got.status === 400 && body.code === 'VALIDATION_FAILED') {
    const errors = body.errors;
    if (!Array.isArray(errors) || errors.length === 0) fail('VALIDATION_FAILED without errors[]');
    const { keys, isObject } = parsedKeys(sent);
    const named = new Set([...(endpoint.fields ?? []), ...keys]);
    for (const e of errors as { path?: unknown; message?: unknown }[]) {
      if (typeof e.path !== 'string' || typeof e.message !== 'string' || !e.message)
        fail('an error without path and message');
      const path = String(e.path);
      const ok =
        named.has(path.split('.')[0] ?? '') ||
        [...named].some((k) => path === k || path.startsWith(`${k}.`)) ||
        // A body that is not an object has no field names: the whole body, or an index into it.
        (!isObject && (path === '(body)' || /^\d+(\.|$)/.test(path)));
      if (!ok) fail(`errors[].path "${e.path}" names no field`);
    }
  }
}

/** fast-check's own report prints whole counterexamples (70 kB bodies): say what broke, and how to replay. */
function conciseReport(route: string) {
  return (details: fc.RunDetails<[Sent]>) => {
    if (!details.failed) return;
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${route} failed after ${details.numRuns} cases (FUZZ_SEED=${details.seed}, path ${details.counterexamplePath}):\n${cause.slice(0, 2000)}`,
    );
  };
}

/**
 * Sends `runs` generated cases to the endpoint. Every answer is checked; after every refused one
 * (4xx) the database must be exactly as before it, attempt counters aside. Returns the statuses seen.
 */
export async function fuzzEndpoint(
  target: FuzzTarget,
  endpoint: Endpoint,
  numRuns: number,
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let baseline = await target.snapshot();
  await fc.assert(
    fc.asyncProperty(endpoint.cases, async (sent) => {
      await target.beforeEach?.();
      const got = await target.client.send(sent);
      statuses.set(got.status, (statuses.get(got.status) ?? 0) + 1);
      checkAnswer(endpoint, sent, got);
      const after = await target.snapshot();
      if (got.status >= 400) {
        const changed = changedTables(baseline, after, endpoint.mayChangeOn4xx);
        if (changed.length > 0)
          throw new Error(
            `a ${got.status} stored something in ${changed.join(', ')}\n  sent: ${describeSent(sent)}`,
          );
      }
      baseline = after;
    }),
    { numRuns, seed: fuzzSeed, reporter: conciseReport(endpoint.route) },
  );
  // FUZZ_REPORT=1 prints what each endpoint answered (how deep the fuzz got).
  if (process.env.FUZZ_REPORT) console.info(`${endpoint.route} ${JSON.stringify([...statuses].sort())}`);
  if (endpoint.reaches && !endpoint.reaches.some((s) => statuses.has(s))) {
    throw new Error(
      `${endpoint.route}: no answer in ${endpoint.reaches.join('/')} (seed ${fuzzSeed}); got ${JSON.stringify([...statuses])}`,
    );
  }
  return statuses;
}
