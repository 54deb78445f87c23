// The simulated subjects of the load run. Each loops until the window closes: file a request (the web
// processes in turn), wait for the verification email, post its token to the other web process,
// wait for the acknowledgement. A loop started inside the window is finished after it.
import type { Filed, StatusCounts } from './load-checks.ts';
import { postJson } from './load-client.ts';
import type { LoadSink } from './smtp-sink.ts';

export type SubjectsRun = {
  filed: Filed[];
  acceptedInWindow: number;
  completedLoops: number;
  submitStatus: StatusCounts;
  verifyStatus: StatusCounts;
  submitMs: number[];
  verifyMs: number[];
  verifyEmailMs: number[];
  ackEmailMs: number[];
  emailTimeouts: { verify: number; acknowledgement: number };
  /** How long the loops begun inside the window took to finish after it. */
  afterWindowSeconds: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSubjects(options: {
  subjects: number;
  seconds: number;
  ports: number[];
  sink: LoadSink;
  emailTimeoutMs: number;
}): Promise<SubjectsRun> {
  const { ports, sink, emailTimeoutMs } = options;
  const run: SubjectsRun = {
    filed: [],
    acceptedInWindow: 0,
    completedLoops: 0,
    submitStatus: {},
    verifyStatus: {},
    submitMs: [],
    verifyMs: [],
    verifyEmailMs: [],
    ackEmailMs: [],
    emailTimeouts: { verify: 0, acknowledgement: 0 },
    afterWindowSeconds: 0,
  };
  const tag = Date.now().toString(36);
  const started = performance.now();
  const endAt = started + options.seconds * 1000;
  const count = (counts: StatusCounts, status: number) => {
    counts[status] = (counts[status] ?? 0) + 1;
  };

  async function subject(s: number) {
    // Subjects come from their own addresses (TRUST_PROXY=loopback reads X-Forwarded-For).
    const headers = { 'x-forwarded-for': `10.${(s >> 8) & 255}.${s & 255}.${1 + (s % 250)}` };
    // Spread the first requests over a second rather than 200 at one instant.
    await sleep((s * 1000) / options.subjects);
    for (let i = 0; performance.now() < endAt; i++) {
      const email = `load-${tag}-${s}-${i}@example.org`;
      const port = ports[(s + i) % ports.length]!;
      const other = ports[(s + i + 1) % ports.length]!;
      const body = {
        type: i % 2 ? 'erase' : 'access',
        law: 'gdpr',
        email,
        name: `Load Subject ${s}`,
        locale: 'en',
      };
      // Email latencies count from the POST: an email can arrive before its HTTP answer does.
      const submittedAt = Date.now();
      const submitted = await postJson(port, '/api/v1/requests', body, headers);
      count(run.submitStatus, submitted.status);
      run.submitMs.push(submitted.ms);
      const reference = submitted.body?.reference;
      if (submitted.status !== 202 || typeof reference !== 'string') {
        await sleep(200);
        continue;
      }
      const filed: Filed = { email, reference, verified: false };
      run.filed.push(filed);
      if (performance.now() < endAt) run.acceptedInWindow++;
      const verifyMail = await sink.waitFor(email, 'verify', emailTimeoutMs);
      if (!verifyMail?.token) {
        run.emailTimeouts.verify++;
        continue;
      }
      run.verifyEmailMs.push(verifyMail.receivedAt - submittedAt);
      const verifyingAt = Date.now();
      const verified = await postJson(other, '/api/v1/verifications', { token: verifyMail.token }, headers);
      count(run.verifyStatus, verified.status);
      run.verifyMs.push(verified.ms);
      if (verified.status !== 200) continue;
      filed.verified = true;
      const ack = await sink.waitFor(email, 'acknowledgement', emailTimeoutMs);
      if (!ack) {
        run.emailTimeouts.acknowledgement++;
        continue;
      }
      run.ackEmailMs.push(ack.receivedAt - verifyingAt);
      run.completedLoops++;
    }
  }

  await Promise.all(Array.from({ length: options.subjects }, (_, s) => subject(s)));
  run.afterWindowSeconds = +Math.max(0, (performance.now() - endAt) / 1000).toFixed(1);
  return run;
}
