import { Command, CommanderError } from 'commander';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { AUDIT_BROKEN_EXIT_CODE, registerAuditCommand } from '../../src/audit/audit-command.ts';
import { AUDIT_CHAIN_LOCK_KEY } from '../../src/audit/audit-repo.ts';
import { appendAuditEvent } from '../../src/audit/audit-service.ts';
import { appendSealedEvents } from '../helpers/audit.ts';
import { onPostgres, useAuditTestDatabase } from '../helpers/test-db.ts';

const t = useAuditTestDatabase();

const appendMany = (n: number) => appendSealedEvents(t.database, n);

async function runVerify() {
  const out: string[] = [];
  const err: string[] = [];
  let closed = 0;
  const program = new Command('rightsdesk')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerAuditCommand(program, async () => ({
    db: t.database.db,
    close: async () => {
      closed++;
    },
  }));
  let exitCode = 0;
  try {
    await program.parseAsync(['audit', 'verify'], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { exitCode, out: out.join(''), err: err.join(''), closed };
}

describe(`rightsdesk audit verify (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('rightsdesk audit verify on an intact chain → "audit chain ok" with the full last hash, exit 0', async () => {
    const rows = await appendMany(3);
    const { exitCode, out, err, closed } = await runVerify();
    expect({ exitCode, err, closed }).toEqual({ exitCode: 0, err: '', closed: 1 });
    expect(out).toBe(`audit chain ok: 3 events, last hash ${rows[2]!.hash}\n`);
  });

  it('rightsdesk audit verify with unsealed events → seals them first, then verifies all', async () => {
    await appendMany(2);
    await appendAuditEvent(t.database.db, { kind: 'unsealed', actor: 'system', at: new Date() });
    const { exitCode, out } = await runVerify();
    expect(exitCode).toBe(0);
    expect(out).toMatch(/^audit chain ok: 3 events, last hash [0-9a-f]{64}\n$/);
  });

  it.runIf(onPostgres)(
    'rightsdesk audit verify while another process holds the sealing lock → prints the unsealed count',
    async () => {
      await appendMany(2);
      await appendAuditEvent(t.database.db, { kind: 'unsealed', actor: 'system', at: new Date() });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = t.database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(AUDIT_CHAIN_LOCK_KEY.toString())})`);
        locked();
        await gate;
      });
      await lockTaken;
      try {
        const { exitCode, out } = await runVerify();
        expect(exitCode).toBe(0);
        expect(out).toContain('1 events not yet sealed');
        expect(out).toContain('audit chain ok: 2 events');
      } finally {
        release();
        await holder;
      }
    },
  );

  it('rightsdesk audit verify on a tampered chain → "BROKEN at event N", exit 3, t.database closed', async () => {
    const rows = await appendMany(3);
    await t.database.executeSql(`update audit_events set actor = 'someone else' where id = $1`, [
      rows[1]!.id,
    ]);
    const { exitCode, out, err, closed } = await runVerify();
    expect(exitCode).toBe(AUDIT_BROKEN_EXIT_CODE);
    expect(exitCode).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(`audit chain BROKEN at event ${rows[1]!.id}: hash mismatch\n`);
    expect(closed).toBe(1);
  });
});
