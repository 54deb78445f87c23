import { eq } from 'drizzle-orm';
import { outbox } from '../../src/db/schema.ts';
import type { RequestDeps } from '../../src/requests/request-deps.ts';
import { transitionRequest } from '../../src/requests/request-transition.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { actOnRequest } from '../../src/requests/staff-request-actions.ts';
import type { DenyReason } from '../../src/requests/staff-request-schemas.ts';
import { sweepUnverified } from '../../src/requests/unverified-sweep.ts';
import { verifyRequest } from '../../src/verification/verification-service.ts';
import { findByReference } from './intake.ts';
import { createStaff } from './staff.ts';
import { createTestRuntime, type TestRuntime } from './test-runtime.ts';

type Type = 'access' | 'erase' | 'rectify' | 'opt_out';

/**
 * The runtime the reports tests build their history in: no worker (nothing moves the requests on by
 * itself), the clock read from `clock.now`, the organisation in Los Angeles (local dates decide).
 */
export function createReportsRuntime(clock: { now: Date }): Promise<TestRuntime> {
  return createTestRuntime({
    worker: false,
    now: () => clock.now,
    env: { ORG_TIMEZONE: 'America/Los_Angeles' },
  });
}

/**
 * Builds a history of requests through the real services on a moving clock: every step happens at the
 * instant given (ISO, UTC), as if the runtime's clock read that time. The runtime must read `clock.now`.
 */
export function reportsFixture(rt: TestRuntime, clock: { now: Date }) {
  let n = 0;
  let dpo: { id: string; role: 'dpo' } | undefined;
  const at = (iso: string) => {
    clock.now = new Date(iso);
  };
  const deps = (): RequestDeps => ({ ...rt.requests, now: () => clock.now });
  const staff = async () => {
    dpo ??= { id: (await createStaff(rt, { role: 'dpo' })).id, role: 'dpo' };
    return dpo;
  };
  const row = (reference: string) => findByReference(rt.database.db, reference);
  const act = async (reference: string, when: string, input: { action: string; body: object }) => {
    const by = await staff();
    at(when);
    const version = (await row(reference)).version;
    const body = { ...input.body, version };
    return actOnRequest(deps(), by, reference, { action: input.action, body } as never);
  };

  const f = {
    /** Files a request at `when`; verifies it at once unless `verify: false` (opt-outs need none). */
    async file(type: Type, law: string, when: string, options: { verify?: boolean } = {}) {
      at(when);
      const input = {
        type,
        law,
        email: `report-${++n}@example.org`,
        ...(type === 'rectify' ? { corrections: [{ field: 'name', value: 'Ada L.' }] } : {}),
      } as Parameters<typeof submitRequest>[1];
      const { reference } = await submitRequest(deps(), input, { channel: 'api', locale: 'en' });
      if (type !== 'opt_out' && options.verify !== false) {
        const request = await row(reference);
        const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, request.id));
        await verifyRequest(deps(), /\/verify\/([\w.-]+)/.exec(mail!.text)![1]!);
      }
      return reference;
    },
    /** Approves (unless already processing) and completes it at `when`, as the last task would. */
    async complete(reference: string, when: string) {
      if ((await row(reference)).status === 'pending_review')
        await act(reference, when, { action: 'approve', body: {} });
      at(when);
      const request = await row(reference);
      await rt.database.db.transaction((tx) =>
        transitionRequest(tx, {
          request,
          action: 'complete',
          actor: 'system',
          actorId: 'system',
          now: clock.now,
          clock: rt.config.clock,
        }),
      );
    },
    deny: (reference: string, when: string, reason: DenyReason) =>
      act(reference, when, { action: 'deny', body: { reason, message: 'We cannot do this.' } }),
    cancel: (reference: string, when: string) => act(reference, when, { action: 'cancel', body: {} }),
    extend: (reference: string, when: string) =>
      act(reference, when, {
        action: 'extend',
        body: { reason: 'Many systems to search for this request.' },
      }),
    requestInfo: (reference: string, when: string) =>
      act(reference, when, { action: 'request-info', body: { message: 'Which account do you mean?' } }),
    approve: (reference: string, when: string) => act(reference, when, { action: 'approve', body: {} }),
    /** Runs the unverified sweep at `when` (expires requests unverified for UNVERIFIED_EXPIRY_DAYS). */
    async sweep(when: string) {
      at(when);
      return sweepUnverified(deps());
    },
  };
  return f;
}
