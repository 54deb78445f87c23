import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealAuditChain, verifyAuditChain } from '../../src/audit/audit-service.ts';
import type { Config } from '../../src/config.ts';
import { outbox, requests } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { runCli } from '../helpers/cli.ts';
import { findByReference, generousLimits } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { useTempDirs } from '../helpers/temp-dirs.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { type TestRuntime, testConfig } from '../helpers/test-runtime.ts';

const secretKey = 'test-secret-key-that-is-long-enough-0123456789';
const tmp = useTempDirs('rd-backup-');
const cli = (args: string[], dataDir: string, env: Record<string, string> = {}) =>
  runCli(args, { DATA_DIR: dataDir, SECRET_KEY: secretKey, LOG_LEVEL: 'warn', ...env });

/** A runtime on a real on-disk DATA_DIR (the embedded default), holding its lock while open. */
async function onDiskRuntime(dataDir: string): Promise<Runtime> {
  const config: Config = testConfig({ DATA_DIR: dataDir, SECRET_KEY: secretKey, ...generousLimits });
  return createRuntime(config, { worker: false, logger: createLogger('silent') });
}

type Snapshot = { reference: string; status: string }[];

const snapshot = async (rt: Runtime): Promise<Snapshot> =>
  rt.database.db
    .select({ reference: requests.reference, status: requests.status })
    .from(requests)
    .orderBy(asc(requests.reference));

describe('rightsdesk backup and restore with PostgreSQL (DATABASE_URL set)', () => {
  it.each([
    ['backup', '--out', 'x.rdbackup'],
    ['restore', 'x.rdbackup'],
  ])('%s → refused with exit 2, pointing to pg_dump / pg_restore', (...args) => {
    const dir = tmp();
    const res = cli(args, dir, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('pg_dump --format=custom');
    expect(res.stderr).toContain('pg_restore');
    expect(readdirSync(dir)).toEqual([]);
  });
});

// The round trip is about the embedded database's data directory; PostgreSQL is backed up with pg_dump.
describe.skipIf(onPostgres)('backup and restore of the embedded database (PGlite only)', () => {
  const dataDir = tmp();
  const backups = tmp();
  const file = path.join(backups, 'before.rdbackup');
  let expected: Snapshot;
  let auditEvents: number;

  beforeAll(async () => {
    const rt = await onDiskRuntime(dataDir);
    try {
      const api = () => request(rt.app);
      const dpo = await bearerFor(rt as TestRuntime, await createStaff(rt as TestRuntime, { role: 'dpo' }));
      const fileRequest = async (type: string, law: string, verify: boolean) => {
        const email = `backup-${Math.random().toString(36).slice(2)}@example.org`;
        const res = await api().post('/api/v1/requests').send({ type, law, email }).expect(202);
        const reference = res.body.reference as string;
        if (verify) {
          const row = await findByReference(rt.database.db, reference);
          const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
          const token = /\/verify\/([^\s"<]+)/.exec(mail!.text)![1]!;
          await api().post('/api/v1/verifications').send({ token }).expect(200);
        }
        return reference;
      };
      const act = (reference: string, action: string, body: object) =>
        api().post(`/api/v1/staff/requests/${reference}/${action}`).set('Authorization', dpo).send(body);
      const approved = await fileRequest('access', 'gdpr', true);
      const denied = await fileRequest('erase', 'ccpa', true);
      const asked = await fileRequest('access', 'uk-gdpr', true);
      await fileRequest('erase', 'gdpr', false);
      await fileRequest('opt_out', 'ccpa', false);
      await fileRequest('access', 'ccpa', true);
      await act(approved, 'approve', { version: 2 }).expect(200);
      await act(denied, 'deny', { version: 2, reason: 'not_a_consumer', message: 'Not a customer.' }).expect(
        200,
      );
      await act(asked, 'request-info', { version: 2, message: 'Which account do you mean?' }).expect(200);
      await sealAuditChain(rt.database.db);
      expected = await snapshot(rt);
      const chain = await verifyAuditChain(rt.database.db);
      expect(chain).toMatchObject({ ok: true, unsealed: 0 });
      auditEvents = chain.events;
    } finally {
      await rt.close();
    }
    // A varied book: several statuses, and the staff actions left sealed audit events.
    expect(new Set(expected.map((r) => r.status)).size).toBeGreaterThanOrEqual(4);
    expect(auditEvents).toBeGreaterThan(expected.length);
  });

  it('backup of a stopped server → a checked file with a manifest, readable by the owner only', () => {
    const res = cli(['backup', '--out', file], dataDir);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`requests: ${expected.length}, audit events: ${auditEvents}`);
    expect(res.stdout).toContain('audit chain verified: yes');
    const [magic, manifest] = readFileSync(file).subarray(0, 4096).toString('latin1').split('\n');
    expect(magic).toBe('RIGHTSDESK-BACKUP 1');
    expect(JSON.parse(manifest!)).toMatchObject({
      format: 'rightsdesk-backup',
      rightsdesk: expect.any(String),
      migrations: { last: expect.stringMatching(/^\d{4}_/) },
      archive: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(readdirSync(backups)).toEqual(['before.rdbackup']);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('restore into a new DATA_DIR → every request with its status, and the audit chain verifies', async () => {
    const newDir = path.join(tmp(), 'data');
    const res = cli(['restore', file], newDir);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`requests: ${expected.length}, audit events: ${auditEvents}`);
    expect(res.stdout).toContain('audit chain verified: yes');
    const rt = await onDiskRuntime(newDir);
    try {
      expect(await snapshot(rt)).toEqual(expected);
      expect(await verifyAuditChain(rt.database.db)).toMatchObject({ ok: true, events: auditEvents });
    } finally {
      await rt.close();
    }
  });

  it('backup (or restore --force) while a running runtime holds DATA_DIR → exit 2, pointing to BACKUP_SCHEDULE; no file', async () => {
    const rt = await onDiskRuntime(dataDir);
    try {
      const out = path.join(backups, 'while-running.rdbackup');
      const res = cli(['backup', '--out', out], dataDir);
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/in use by process \d+/);
      expect(res.stderr).toContain('BACKUP_SCHEDULE');
      expect(existsSync(out)).toBe(false);
      const restore = cli(['restore', '--force', file], dataDir);
      expect(restore.status).toBe(2);
      expect(restore.stderr).toContain('Stop the server before restoring');
      // The refusals did not disturb the running database.
      expect(await snapshot(rt)).toEqual(expected);
    } finally {
      await rt.close();
    }
  });

  it('restore into a DATA_DIR that holds a database → exit 2 without --force; nothing changes', async () => {
    const before = readdirSync(path.join(dataDir, 'pglite')).sort();
    const res = cli(['restore', file], dataDir);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('already holds a database');
    expect(res.stderr).toContain('--force');
    expect(readdirSync(dataDir).filter((n) => n.startsWith('pglite'))).toEqual(['pglite']);
    expect(readdirSync(path.join(dataDir, 'pglite')).sort()).toEqual(before);
  });

  it('restore --force into a DATA_DIR that holds a database → restored; the old one moved aside', () => {
    const target = tmp();
    expect(cli(['migrate'], target).status).toBe(0);
    const res = cli(['restore', '--force', file], target);
    expect(res.status).toBe(0);
    const aside = readdirSync(target).filter((n) => n.startsWith('pglite.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(res.stdout).toContain(aside[0]);
    expect(res.stdout).toContain(`requests: ${expected.length}`);
  });

  it('restore of a backup with one flipped byte → exit 1 naming the SHA-256; DATA_DIR untouched', () => {
    const damaged = path.join(backups, 'damaged.rdbackup');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1000] = bytes[bytes.length - 1000]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const newDir = path.join(tmp(), 'data');
    const res = cli(['restore', damaged], newDir);
    expect(res.status).toBe(1);
    expect(res.stderr.trim()).toBe(
      `rightsdesk: ${damaged} is damaged: the archive's SHA-256 does not match its manifest`,
    );
    expect(existsSync(path.join(newDir, 'pglite'))).toBe(false);
  });

  it('restore of a backup whose manifest was edited, or whose authentication code was removed → exit 1 "not authentic"', () => {
    const bytes = readFileSync(file);
    const first = bytes.indexOf(0x0a);
    const second = bytes.indexOf(0x0a, first + 1);
    const manifest = JSON.parse(bytes.subarray(first + 1, second).toString('utf8'));
    // The archive and its SHA-256 still agree: only the key-holder's code can tell the change.
    const variants = {
      edited: { ...manifest, createdAt: '2020-01-01T00:00:00.000Z' },
      unsigned: (({ mac: _, ...rest }) => rest)(manifest),
    };
    for (const [name, changed] of Object.entries(variants)) {
      const forged = path.join(backups, `${name}.rdbackup`);
      writeFileSync(
        forged,
        Buffer.concat([
          bytes.subarray(0, first + 1),
          Buffer.from(`${JSON.stringify(changed)}\n`),
          bytes.subarray(second + 1),
        ]),
      );
      const newDir = path.join(tmp(), 'data');
      const res = cli(['restore', forged], newDir);
      expect({ name, status: res.status }).toEqual({ name, status: 1 });
      expect(res.stderr).toContain('is not authentic');
      expect(existsSync(path.join(newDir, 'pglite'))).toBe(false);
    }
  });

  it('restore under another SECRET_KEY → exit 2 explaining opt-outs depend on it; --new-secret-key restores', () => {
    const newDir = path.join(tmp(), 'data');
    const other = { SECRET_KEY: 'another-secret-key-that-is-long-enough-987654' };
    const refused = cli(['restore', file], newDir, other);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('another SECRET_KEY');
    expect(refused.stderr).toContain('suppression list');
    expect(existsSync(path.join(newDir, 'pglite'))).toBe(false);
    expect(cli(['restore', '--new-secret-key', file], newDir, other).status).toBe(0);
  });
});
