import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupInvalidError, BackupRefusedError } from '../../src/backup/backup-errors.ts';
import { readBackupFile } from '../../src/backup/backup-file.ts';
import {
  pruneBackups,
  runScheduledBackup,
  type ScheduledBackupDeps,
} from '../../src/backup/backup-schedule.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createJobs } from '../../src/jobs/jobs.ts';
import { createLogger } from '../../src/logger.ts';
import { appendSealedEvents } from '../helpers/audit.ts';
import { useTempDirs } from '../helpers/temp-dirs.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

const tmp = useTempDirs('rd-backup-schedule-');
const jobDir = tmp();
let rt: TestRuntime;

beforeAll(async () => {
  rt = await createTestRuntime({
    worker: true,
    env: { BACKUP_SCHEDULE: '0 3 * * *', BACKUP_DIR: jobDir, BACKUP_KEEP: '2' },
  });
  await appendSealedEvents(rt.database, 5);
});
afterAll(async () => {
  await rt?.dispose();
});

/** A JSON-lines logger whose lines the test reads. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('backup settings', () => {
  const base = { NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(40), DATA_DIR: '/srv/rightsdesk' };

  it('nothing set → no schedule, keep 7, DATA_DIR/backups', () => {
    expect(loadConfig(base).backup).toEqual({ schedule: undefined, keep: 7, dir: '/srv/rightsdesk/backups' });
  });

  it.each([['banana'], ['1 2 3'], ['61 * * * *'], ['0 2 * * * *']])(
    'BACKUP_SCHEDULE=%s → a configuration error naming it',
    (schedule) => {
      expect(() => loadConfig({ ...base, BACKUP_SCHEDULE: schedule })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, BACKUP_SCHEDULE: schedule })).toThrow(
        /^BACKUP_SCHEDULE: .*5 fields/,
      );
    },
  );

  it('BACKUP_SCHEDULE with DATABASE_URL → a configuration error pointing to pg_dump', () => {
    const env = { ...base, BACKUP_SCHEDULE: '0 2 * * *', DATABASE_URL: 'postgres://x@127.0.0.1/rd' };
    expect(() => loadConfig(env)).toThrow(/^BACKUP_SCHEDULE: .*pg_dump/);
  });

  it('BACKUP_KEEP=0 → a configuration error naming it', () => {
    expect(() => loadConfig({ ...base, BACKUP_KEEP: '0' })).toThrow(/^BACKUP_KEEP: /);
  });
});

describe('the backup.run schedule', () => {
  it('BACKUP_SCHEDULE set → pg-boss schedules backup.run with it; unset at the next start → removed', async () => {
    const schedules = await rt.jobs.boss.getSchedules();
    expect(schedules.filter((s) => s.name === 'backup.run').map((s) => s.cron)).toEqual(['0 3 * * *']);
    const next = createJobs(rt.database, createLogger('silent'), {
      supervise: true,
      schedules: { 'backup.run': undefined },
    });
    await next.start();
    try {
      const after = await next.boss.getSchedules();
      expect(after.map((s) => s.name)).not.toContain('backup.run');
      expect(after.map((s) => s.name)).toContain('requests.sweep');
    } finally {
      await next.stop();
    }
  });
});

describe.skipIf(!onPostgres)('scheduled backups on PostgreSQL', () => {
  it('the backup service → refused, pointing to pg_dump (the embedded database only)', async () => {
    const { logger } = capturedLogger();
    const deps = {
      database: rt.database,
      secretKey: rt.config.secretKey,
      now: rt.now,
      logger,
      dir: tmp(),
      keep: 2,
    };
    await expect(runScheduledBackup(deps)).rejects.toThrow(BackupRefusedError);
    await expect(runScheduledBackup(deps)).rejects.toThrow(/pg_dump --format=custom/);
  });
});

// Dumping a data directory is what PGlite offers; PostgreSQL deployments use pg_dump instead.
describe.skipIf(onPostgres)('scheduled backups of the embedded database (PGlite only)', () => {
  it('a backup.run job → the worker writes a checked backup into BACKUP_DIR', async () => {
    await rt.jobs.enqueue(rt.database.db, 'backup.run', {});
    const [name] = await eventually(async () => {
      const names = readdirSync(jobDir).filter((n) => n.endsWith('.rdbackup'));
      return names.length > 0 && names;
    }, 60_000);
    const { manifest } = await readBackupFile(path.join(jobDir, name!));
    expect(manifest.createdAt.slice(0, 4)).toMatch(/^\d{4}$/);
  });

  describe('keeping the last N', () => {
    const dir = tmp();
    const keep = 3;
    const runs = 5;
    const clock = { at: new Date('2026-05-01T02:00:00Z') };
    const { logger, lines } = capturedLogger();
    const deps = (): ScheduledBackupDeps => ({
      database: rt.database,
      secretKey: rt.config.secretKey,
      now: () => clock.at,
      logger,
      dir,
      keep,
    });
    const foreign = {
      'notes.txt': 'the operator keeps notes here',
      'rightsdesk-20200101T000000Z.rdbackup.bak': 'a copy the operator made',
      'rightsdesk-backup.tar.gz': 'not ours either',
    };

    beforeAll(() => {
      for (const [name, content] of Object.entries(foreign)) writeFileSync(path.join(dir, name), content);
    });

    it(`${runs} runs with keep ${keep} → exactly the ${keep} newest backups remain; foreign files untouched`, async () => {
      for (let i = 0; i < runs; i++) {
        await runScheduledBackup(deps());
        clock.at = new Date(clock.at.getTime() + 3_600_000);
      }
      const ours = readdirSync(dir).filter((n) => /^rightsdesk-\d{8}T\d{6}Z\.rdbackup$/.test(n));
      expect(ours.sort()).toEqual([
        'rightsdesk-20260501T040000Z.rdbackup',
        'rightsdesk-20260501T050000Z.rdbackup',
        'rightsdesk-20260501T060000Z.rdbackup',
      ]);
      for (const [name, content] of Object.entries(foreign)) {
        expect(readFileSync(path.join(dir, name), 'utf8')).toBe(content);
      }
      expect(readdirSync(dir)).toHaveLength(keep + Object.keys(foreign).length);
    });

    it('each run → one log line with file, size, counts and duration, and no personal data', () => {
      const done = lines.filter((l) => l.msg === 'scheduled backup written and verified');
      expect(done).toHaveLength(runs);
      expect(done.at(-1)).toMatchObject({
        level: 30,
        file: path.join(dir, 'rightsdesk-20260501T060000Z.rdbackup'),
        bytes: expect.any(Number),
        requests: expect.any(Number),
        auditEvents: 5,
        auditChainOk: true,
        durationMs: expect.any(Number),
        pruned: 1,
      });
      expect(JSON.stringify(lines)).not.toContain('@');
    });

    it('a backup whose read-back check fails → no new file, older backups kept, the run fails with a logged error', async () => {
      const before = readdirSync(dir).sort();
      // The live chain is tampered with: the copy cannot verify, so it must not count as a backup.
      await rt.database.executeSql(
        `update audit_events set data = '{"i": 99}'::jsonb where id = (select min(id) from audit_events)`,
      );
      const run = runScheduledBackup(deps());
      await expect(run).rejects.toThrow(BackupInvalidError);
      await expect(run).rejects.toThrow(/audit chain in the backup does not verify/);
      expect(readdirSync(dir).sort()).toEqual(before);
      expect(lines.at(-1)).toMatchObject({
        level: 50,
        msg: expect.stringContaining('scheduled backup FAILED'),
      });
    });
  });
});

describe('pruning in a folder others can write to', () => {
  it('BACKUP_DIR writable by other users → refused, nothing deleted (planted names cannot push real backups out)', async () => {
    const dir = tmp();
    chmodSync(dir, 0o777);
    const names = ['rightsdesk-20260101T000000Z.rdbackup', 'rightsdesk-20990101T000000Z.rdbackup'];
    for (const name of names) writeFileSync(path.join(dir, name), 'x');
    await expect(pruneBackups(dir, 1)).rejects.toThrow(/BACKUP_DIR .* writable by other users/);
    expect(readdirSync(dir).sort()).toEqual(names);
    chmodSync(dir, 0o700);
    expect(await pruneBackups(dir, 1)).toEqual(['rightsdesk-20260101T000000Z.rdbackup']);
  });
});
