import { randomBytes, randomUUID } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditChain } from '../../src/audit/audit-sealer.ts';
import { auditEvents, webhookState } from '../../src/db/schema.ts';
import { registerWebhooksCommand } from '../../src/webhooks/webhooks-command.ts';
import {
  claimWebhookLease,
  ensureWebhookState,
  releaseWebhookLease,
} from '../../src/webhooks/webhooks-repo.ts';
import { generousLimits, submitApi } from '../helpers/intake.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let rt: TestRuntime;

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('rightsdesk')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerWebhooksCommand(program, async () => ({ db: rt.database.db, close: async () => {} }));
  let exitCode = 0;
  try {
    await program.parseAsync(['webhooks', ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { exitCode, out: out.join(''), err: err.join('') };
}
const status = async () => JSON.parse((await cli('status')).out);

beforeAll(async () => {
  // No worker: the tests play the worker's part (start, seal) themselves.
  rt = await createTestRuntime({
    worker: false,
    env: {
      ...generousLimits,
      WEBHOOK_URL: 'http://127.0.0.1:9/hooks',
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    },
  });
});
afterAll(async () => {
  await rt?.dispose();
});

describe('rightsdesk webhooks status | retry | skip', () => {
  it('before any worker started webhooks → status says off; retry and skip exit 1 saying so', async () => {
    expect(await status()).toMatchObject({ state: 'off' });
    for (const command of ['retry', 'skip']) {
      const res = await cli(command);
      expect(res.exitCode).toBe(1);
      expect(res.err).toContain('webhooks have not run here');
    }
  });

  it('a receiver refusing the head event → status shows it; retry clears the backoff; skip moves past it, audited', async () => {
    await ensureWebhookState(rt.database.db, 'endpoint');
    expect((await cli('skip')).err).toContain('no event is waiting');
    const res = await submitApi(rt.app, { type: 'access', law: 'gdpr', email: 'cmd@example.org' }).expect(
      202,
    );
    await sealAuditChain(rt.database.db);
    const retryAt = new Date(Date.now() + 3_600_000);
    await rt.database.db
      .update(webhookState)
      .set({ attempts: 7, lastError: 'HTTP 400', nextAttemptAt: retryAt });
    const before = await status();
    expect(before).toMatchObject({
      undelivered: 1,
      attempts: 7,
      lastError: 'HTTP 400',
      nextAttemptAt: retryAt.toISOString(),
    });

    expect(await cli('retry')).toMatchObject({ exitCode: 0 });
    expect(await status()).toMatchObject({ nextAttemptAt: null, attempts: 7 });

    const skipped = await cli('skip');
    expect(skipped.exitCode).toBe(0);
    expect(skipped.out).toMatch(
      new RegExp(`^skipped event \\d+ \\(request\\.received of ${res.body.reference}\\)`),
    );
    expect(await status()).toMatchObject({ undelivered: 0, attempts: 0, lastError: null });
    const [audit] = await rt.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.kind, 'webhooks.skipped'));
    // Not a request event itself (no requestId column), so it is never delivered.
    expect(audit).toMatchObject({ requestId: null, actor: 'system', data: { event: 'request.received' } });
  });

  it('a worker holding the lease → skip refuses (exit 1) and moves nothing', async () => {
    await submitApi(rt.app, { type: 'access', law: 'gdpr', email: 'cmd2@example.org' }).expect(202);
    await sealAuditChain(rt.database.db);
    const token = randomUUID();
    expect(await claimWebhookLease(rt.database.db, token, new Date())).toBeDefined();
    const busy = await cli('skip');
    expect(busy.exitCode).toBe(1);
    expect(busy.err).toContain('a worker is delivering right now');
    expect(await status()).toMatchObject({ undelivered: 1 });
    await releaseWebhookLease(rt.database.db, token);
  });
});
