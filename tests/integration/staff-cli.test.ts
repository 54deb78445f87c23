import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { auditEvents, type StaffAccountRow, staffAccounts } from '../../src/db/schema.ts';
import { verifyPassword } from '../../src/staff/passwords.ts';
import { binPath } from '../helpers/cli.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db.ts';

/*
 * The real CLI in a child process. On PGlite it gets its own DATA_DIR (the embedded database is
 * single-process, so the test opens it only between commands); with TEST_DATABASE_URL a fresh
 * PostgreSQL database.
 */
let env: Record<string, string>;
let testDb: TestDatabase | undefined;

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-staff-cli-'));
  env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'cli-test-secret-key-that-is-long-enough-0123',
  };
  if (onPostgres) {
    testDb = await createTestDatabase();
    env.DATABASE_URL = testDb.url!;
  }
});
afterAll(async () => {
  await testDb?.drop();
});

/** Runs `rightsdesk …` with `input` on standard input (the password), to completion. */
function cli(args: string[], input = '') {
  const result = spawnSync(process.execPath, [binPath, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Reads the account (and its audit events) straight from the database the CLI used. */
async function inspect(email: string): Promise<{ row: StaffAccountRow | undefined; audit: string[] }> {
  const database = testDb?.database ?? (await openDatabase({ dataDir: env.DATA_DIR }));
  try {
    const [row] = await database.db.select().from(staffAccounts).where(eq(staffAccounts.email, email));
    const audit = row
      ? (await database.db.select().from(auditEvents).orderBy(auditEvents.id))
          .filter((e) => e.data.staffId === row.id)
          .map((e) => `${e.kind}:${e.actor}`)
      : [];
    return { row, audit };
  } finally {
    if (!testDb) await database.close();
  }
}

const add = (email: string, role: string, password: string) =>
  cli(['staff', 'add', '--email', email, '--role', role, '--password-stdin'], password);

describe('rightsdesk staff', () => {
  it('staff add with the password on stdin → exit 0; an argon2id account with that password (no trailing newline)', async () => {
    const res = add('Dpo.One@Example.org', 'dpo', 'a-long-enough-password\n');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('dpo.one@example.org (dpo)');
    expect(res.stdout).not.toContain('a-long-enough-password');
    const { row, audit } = await inspect('dpo.one@example.org');
    expect(row?.role).toBe('dpo');
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row!.passwordHash, 'a-long-enough-password')).toBe(true);
    expect(await verifyPassword(row!.passwordHash, 'a-long-enough-password\n')).toBe(false);
    expect(audit).toEqual(['staff.added:cli']);
  });

  it('staff add with an 11-character password → exit 1 naming password; no account', async () => {
    const res = add('short@example.org', 'support', 'elevenchars');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/password/);
    expect(res.stderr).not.toContain('elevenchars');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect((await inspect('short@example.org')).row).toBeUndefined();
  });

  it('staff add with a leaked password (password1234) → exit 1 saying it is too easy to guess; no account', async () => {
    const res = add('weak@example.org', 'dpo', 'password1234');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/password: is too easy to guess/);
    expect(res.stderr).not.toContain('password1234');
    expect((await inspect('weak@example.org')).row).toBeUndefined();
  });

  it('staff add with no password on stdin → exit 1 naming password', () => {
    const res = add('empty@example.org', 'support', '');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/password/);
  });

  it('staff add with role "root" → exit 1 naming --role; no account', async () => {
    const res = add('root@example.org', 'root', 'a-long-enough-password');
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('--role');
    expect(res.stderr).toMatch(/admin, dpo, support/);
    expect((await inspect('root@example.org')).row).toBeUndefined();
  });

  it('staff add with a bad email → exit 1 naming email', () => {
    const res = add('not-an-email', 'admin', 'a-long-enough-password');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/email/);
  });

  it('staff add for an existing email (any case) → exit 1, the first account unchanged', async () => {
    expect(add('twice@example.org', 'support', 'first-password-123').status).toBe(0);
    const res = add('TWICE@example.org', 'admin', 'second-password-123');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/exists/);
    const { row } = await inspect('twice@example.org');
    expect(row?.role).toBe('support');
    expect(await verifyPassword(row!.passwordHash, 'first-password-123')).toBe(true);
  });

  it('staff add without --password-stdin → exit non-zero (a password is never taken from argv)', () => {
    const res = cli(
      ['staff', 'add', '--email', 'noflag@example.org', '--role', 'dpo'],
      'a-long-enough-password',
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('--password-stdin');
  });

  it('staff disable → exit 0, account disabled; staff enable → exit 0, enabled again; both audited as cli', async () => {
    expect(add('toggle@example.org', 'support', 'toggle-password-123').status).toBe(0);
    const off = cli(['staff', 'disable', '--email', 'toggle@example.org']);
    expect(off.status).toBe(0);
    expect(off.stdout).toContain('toggle@example.org disabled');
    expect((await inspect('toggle@example.org')).row?.disabledAt).toBeInstanceOf(Date);
    const on = cli(['staff', 'enable', '--email', 'toggle@example.org']);
    expect(on.status).toBe(0);
    expect(on.stdout).toContain('toggle@example.org enabled');
    const { row, audit } = await inspect('toggle@example.org');
    expect(row?.disabledAt).toBeNull();
    expect(audit).toEqual(['staff.added:cli', 'staff.disable:cli', 'staff.enable:cli']);
  });

  it('staff passwd with a new password on stdin → exit 0; only the new password verifies', async () => {
    expect(add('passwd@example.org', 'admin', 'the-old-password-123').status).toBe(0);
    const res = cli(
      ['staff', 'passwd', '--email', 'passwd@example.org', '--password-stdin'],
      'the-new-password-456\n',
    );
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('password of passwd@example.org changed');
    const { row, audit } = await inspect('passwd@example.org');
    expect(await verifyPassword(row!.passwordHash, 'the-new-password-456')).toBe(true);
    expect(await verifyPassword(row!.passwordHash, 'the-old-password-123')).toBe(false);
    expect(audit).toContain('staff.password:cli');
  });

  it.each([
    ['a short password', 'keep@example.org', 'short', /password: must be at least 12/],
    ['a password built from the email', 'kept.two@example.org', 'kept.two2026!', /password: is too easy/],
  ])(
    'staff passwd with %s → exit 1 naming password; the old one still verifies',
    async (_n, email, next, why) => {
      expect(add(email, 'dpo', 'the-kept-password-1').status).toBe(0);
      const res = cli(['staff', 'passwd', '--email', email, '--password-stdin'], next);
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(why);
      const { row } = await inspect(email);
      expect(await verifyPassword(row!.passwordHash, 'the-kept-password-1')).toBe(true);
    },
  );

  it('staff disable/enable/passwd for an unknown email → exit 1 naming it', () => {
    for (const args of [
      ['staff', 'disable', '--email', 'ghost@example.org'],
      ['staff', 'enable', '--email', 'ghost@example.org'],
      ['staff', 'passwd', '--email', 'ghost@example.org', '--password-stdin'],
    ]) {
      const res = cli(args, 'a-long-enough-password');
      expect(res.status, args.join(' ')).toBe(1);
      expect(res.stderr).toContain('ghost@example.org');
    }
  });
});
