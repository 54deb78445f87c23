import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockEvents, outbox, requests } from '../../src/db/schema.ts';
import { AppError } from '../../src/http/app-error.ts';
import { extendRequest } from '../../src/requests/extension-service.ts';
import type { RequestDeps } from '../../src/requests/request-deps.ts';
import { findRequestByReference } from '../../src/requests/requests-repo.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { sweepUnverified } from '../../src/requests/unverified-sweep.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let clock = new Date('2026-01-09T18:00:00Z');
let rt: TestRuntime;
let deps: RequestDeps;

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false, now: () => clock });
  deps = { ...rt.requests, now: () => clock };
});
afterAll(async () => {
  await rt.dispose();
});

async function file(law: string, type = 'access') {
  clock = new Date('2026-01-09T18:00:00Z');
  const { reference } = await submitRequest(
    deps,
    { type: type as 'access', law: law as 'ccpa', email: `s${Math.random()}@example.org` },
    { channel: 'api', locale: 'en' },
  );
  return (await findRequestByReference(deps.db, reference))!;
}

const mailsFor = async (requestId: string) =>
  (await deps.db.select().from(outbox).where(eq(outbox.requestId, requestId))).map((m) => m.subject);

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('extension', () => {
  it('CCPA request extended in time with a reason → due date moves to receipt + 90, notice email with the reason', async () => {
    const request = await file('ccpa');
    expect(request.dueBy).toBe('2026-02-23');
    clock = new Date('2026-02-20T17:00:00Z');
    const reason = 'We hold your records in several archived systems.';
    const extended = await extendRequest(deps, {
      reference: request.reference,
      version: request.version,
      reason,
      actorId: 'dpo-1',
    });
    expect(extended.dueBy).toBe('2026-04-09');
    const row = (await findRequestByReference(deps.db, request.reference))!;
    expect(row.version).toBe(request.version + 1);
    expect(row.dueBy).toBe('2026-04-09');
    expect(row.extendedAt?.toISOString()).toBe(clock.toISOString());
    const mails = await deps.db.select().from(outbox).where(eq(outbox.requestId, request.id));
    const notice = mails.find((m) => m.subject.startsWith('We need more time'));
    expect(notice?.text).toContain(reason);
    expect(notice?.text).toContain('9 April 2026');
    const events = await deps.db.select().from(clockEvents).where(eq(clockEvents.requestId, request.id));
    expect(events.map((e) => e.kind)).toEqual(['received', 'extended']);
  });

  it('extension asked after the notice deadline → refused, nothing changed, no email', async () => {
    const request = await file('ccpa');
    clock = new Date('2026-02-25T17:00:00Z');
    const error = await refusal(
      extendRequest(deps, {
        reference: request.reference,
        version: request.version,
        reason: 'Too many records to collect.',
        actorId: 'dpo-1',
      }),
    );
    expect(error.code).toBe('EXTENSION_REFUSED');
    expect(error.message).toMatch(/2026-02-23/);
    const row = (await findRequestByReference(deps.db, request.reference))!;
    expect(row.version).toBe(request.version);
    expect(row.dueBy).toBe('2026-02-23');
    expect(await mailsFor(request.id)).not.toContain(expect.stringContaining('more time'));
  });

  it('second extension → refused as already extended', async () => {
    const request = await file('ccpa');
    clock = new Date('2026-01-20T17:00:00Z');
    const once = await extendRequest(deps, {
      reference: request.reference,
      version: request.version,
      reason: 'Complex request, many systems.',
      actorId: 'dpo-1',
    });
    const error = await refusal(
      extendRequest(deps, {
        reference: request.reference,
        version: once.version,
        reason: 'Still more to collect here.',
        actorId: 'dpo-1',
      }),
    );
    expect(error.code).toBe('EXTENSION_REFUSED');
    expect(error.message.toLowerCase()).toContain('already');
  });

  it('law without an extension (CalOPPA) → refused', async () => {
    const request = await file('caloppa');
    clock = new Date('2026-01-12T17:00:00Z');
    const error = await refusal(
      extendRequest(deps, {
        reference: request.reference,
        version: request.version,
        reason: 'We would like more time.',
        actorId: 'dpo-1',
      }),
    );
    expect(error.code).toBe('EXTENSION_REFUSED');
  });

  it('missing reason or stale version → refused with the field named / a 409', async () => {
    const request = await file('gdpr');
    clock = new Date('2026-01-12T10:00:00Z');
    const noReason = await refusal(
      extendRequest(deps, {
        reference: request.reference,
        version: request.version,
        reason: ' ',
        actorId: 'dpo-1',
      }),
    );
    expect(noReason.code).toBe('VALIDATION_FAILED');
    expect(noReason.fieldErrors?.[0]?.path).toBe('reason');
    const stale = await refusal(
      extendRequest(deps, {
        reference: request.reference,
        version: request.version + 5,
        reason: 'Complex request, many systems.',
        actorId: 'dpo-1',
      }),
    );
    expect(stale.code).toBe('STALE_VERSION');
    expect(stale.status).toBe(409);
  });
});

describe('acknowledgement without verification', () => {
  it('CCPA request never verified → receipt confirmed after two days, once, well before acknowledgeBy', async () => {
    const request = await file('ccpa');
    expect(request.acknowledgeBy).toBe('2026-01-23');
    clock = new Date('2026-01-10T18:00:00Z');
    expect((await sweepUnverified(deps)).acknowledged).toBe(0);
    clock = new Date('2026-01-11T18:30:00Z');
    const first = await sweepUnverified(deps);
    expect(first.acknowledged).toBeGreaterThanOrEqual(1);
    const row = (await findRequestByReference(deps.db, request.reference))!;
    expect(row.acknowledgedAt?.toISOString()).toBe(clock.toISOString());
    expect(row.status).toBe('unverified');
    expect(await mailsFor(request.id)).toContain(
      `We have received your privacy request ${request.reference}`,
    );
    const events = await deps.db.select().from(clockEvents).where(eq(clockEvents.requestId, request.id));
    expect(events.map((e) => e.kind)).toContain('acknowledged');
    clock = new Date('2026-01-11T19:00:00Z');
    await sweepUnverified(deps);
    const receipts = (await mailsFor(request.id)).filter((s) => s.startsWith('We have received'));
    expect(receipts).toHaveLength(1);
  });

  it('GDPR request (no acknowledgement deadline) → no receipt email from the sweep', async () => {
    const request = await file('gdpr');
    clock = new Date('2026-01-12T18:30:00Z');
    await sweepUnverified(deps);
    const row = (await deps.db.select().from(requests).where(eq(requests.id, request.id)))[0]!;
    expect(row.acknowledgedAt).toBeNull();
    expect((await mailsFor(request.id)).filter((s) => s.startsWith('We have received'))).toHaveLength(0);
  });
});
