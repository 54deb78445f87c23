import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { listRequestEvents } from '../../src/audit/audit-service.ts';
import { outbox } from '../../src/db/schema.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { verifyRequest } from '../../src/verification/verification-service.ts';
import { findByReference } from './intake.ts';
import { bearerFor, createStaff, type StaffAccount } from './staff.ts';
import { createTestRuntime, type TestRuntime } from './test-runtime.ts';

type Role = 'admin' | 'dpo' | 'support';

/**
 * A runtime at a fixed clock with one signed-in account per role, for the staff API tests:
 * file verified requests and act on them as any role.
 */
export function useStaffApi(clock: Date) {
  let runtime: TestRuntime | undefined;
  let n = 0;
  const accounts = {} as Record<Role, StaffAccount>;
  const bearers = {} as Record<Role, string>;
  beforeAll(async () => {
    runtime = await createTestRuntime({ worker: false, now: () => clock });
    for (const role of ['admin', 'dpo', 'support'] as const) {
      accounts[role] = await createStaff(runtime, { role });
      bearers[role] = await bearerFor(runtime, accounts[role]);
    }
  });
  afterAll(async () => {
    await runtime?.dispose();
  });
  const h = {
    get rt(): TestRuntime {
      if (!runtime) throw new Error('runtime not started');
      return runtime;
    },
    accounts,
    bearers,
    /** Files a request and confirms its email (through the services: setup, not under test): pending_review. */
    async fileVerified(body: Record<string, unknown> = { type: 'access', law: 'ccpa' }) {
      const rt = h.rt;
      const email = `api-${++n}@example.org`;
      const deps = { ...rt.requests, now: () => clock };
      const input = { ...body, email } as unknown as Parameters<typeof submitRequest>[1];
      const { reference } = await submitRequest(deps, input, { channel: 'api', locale: 'en' });
      const row = await findByReference(rt.database.db, reference);
      const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
      await verifyRequest(deps, /\/verify\/([\w.-]+)/.exec(mail!.text)![1]!);
      return { reference, email, id: row.id };
    },
    act: (reference: string, action: string, body: object, role: Role = 'dpo') =>
      request(h.rt.app)
        .post(`/api/v1/staff/requests/${reference}/${action}`)
        .set('Authorization', bearers[role])
        .set('Accept', 'application/json')
        .send(body),
    versionOf: async (reference: string) => (await findByReference(h.rt.database.db, reference)).version,
    eventsOf: (id: string) => listRequestEvents(h.rt.database.db, id),
  };
  return h;
}
