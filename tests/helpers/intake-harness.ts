import request from 'supertest';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { generousLimits, linkIn, quietSweep, submitApi, waitForMail } from './intake.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';
import { createTestRuntime, type TestRuntime } from './test-runtime.ts';

export type IntakeHarness = {
  readonly rt: TestRuntime;
  readonly sink: SmtpSink;
  /** The runtime's clock; reset to `start` before each test. */
  clock: Date;
  /** Files a request through the API; returns its reference and the links of the first email. */
  fileRequest(body?: Record<string, unknown>): Promise<{
    email: string;
    reference: string;
    /** Throws for opt-out requests, which get no verification link. */
    verify: ReturnType<typeof linkIn>;
    status: ReturnType<typeof linkIn>;
  }>;
  apiVerify(token: unknown): request.Test;
};

/**
 * One runtime with a real SMTP sink and an injected clock per test file, with generous rate limits
 * and a sweep that stays out of the way (files testing those set their own runtime).
 */
export function useIntakeHarness(options: {
  prefix: string;
  start: Date;
  env?: Record<string, string>;
}): IntakeHarness {
  let rt: TestRuntime | undefined;
  let sink: SmtpSink | undefined;
  let n = 0;
  const h: IntakeHarness = {
    get rt() {
      if (!rt) throw new Error('runtime not started');
      return rt;
    },
    get sink() {
      if (!sink) throw new Error('sink not started');
      return sink;
    },
    clock: options.start,
    async fileRequest(body = { type: 'access', law: 'ccpa' }) {
      const email = `${options.prefix}-${++n}@example.org`;
      const res = await submitApi(h.rt.app, { ...body, email }).expect(202);
      const mail = await waitForMail(h.sink, email, /privacy request|opted out/);
      const verify = body.type === 'opt_out' ? undefined : linkIn(mail, 'verify');
      return {
        email,
        reference: res.body.reference as string,
        get verify() {
          if (!verify) throw new Error('an opt-out request has no verification link');
          return verify;
        },
        status: linkIn(mail, 'status'),
      };
    },
    apiVerify: (token) =>
      request(h.rt.app).post('/api/v1/verifications').set('Accept', 'application/json').send({ token }),
  };
  beforeAll(async () => {
    sink = await startSmtpSink();
    rt = await createTestRuntime({
      env: { ...generousLimits, ...quietSweep, SMTP_URL: sink.url, ...options.env },
      now: () => h.clock,
    });
  });
  afterAll(async () => {
    await rt?.dispose();
    await sink?.close();
  });
  beforeEach(() => {
    h.clock = options.start;
  });
  return h;
}
