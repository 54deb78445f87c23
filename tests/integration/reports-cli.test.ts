import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { createRuntime } from '../../src/runtime.ts';
import { runCli } from '../helpers/cli.ts';
import { reportsFixture } from '../helpers/reports-fixture.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db.ts';
import { type TestRuntime, testConfig } from '../helpers/test-runtime.ts';

/*
 * The real `rightsdesk report metrics` (bin/rightsdesk.js in a child process) on a database holding a
 * small fixture (America/Los_Angeles):
 *   access  ccpa rec 2025-12-30 → completed 2026-01-05                 (2025)
 *   access  ccpa rec 2026-03-02 → denied unverifiable 2026-03-05       3 days
 *   access  gdpr rec 2026-04-01 → completed 2026-04-02                 1 day
 *   erase   ccpa rec 2026-05-01 → denied exemption_applies 2026-05-11  10 days
 *   rectify ccpa rec 2026-07-01 → cancelled 2026-07-02                 withdrawn
 *   opt_out ccpa rec 2026-06-01 09:00 → completed 09:30                0 days
 */
const env: Record<string, string> = { ORG_TIMEZONE: 'America/Los_Angeles', LOG_LEVEL: 'silent' };
let testDb: TestDatabase | undefined;

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-report-cli-'));
  // PGlite: a data directory the child process opens after this runtime closed it.
  testDb = onPostgres ? await createTestDatabase() : undefined;
  const database = testDb?.database ?? (await openDatabase({ dataDir }));
  Object.assign(env, testDb?.url ? { DATABASE_URL: testDb.url, DATA_DIR: dataDir } : { DATA_DIR: dataDir });
  const clock = { now: new Date('2025-12-01T00:00:00Z') };
  const config = testConfig({ ORG_TIMEZONE: 'America/Los_Angeles', DATA_DIR: dataDir });
  const runtime = await createRuntime(config, {
    worker: false,
    database,
    logger: createLogger('silent'),
    now: () => clock.now,
  });
  const f = reportsFixture(runtime as TestRuntime, clock);
  await f.complete(await f.file('access', 'ccpa', '2025-12-30T18:00:00Z'), '2026-01-05T18:00:00Z');
  await f.deny(
    await f.file('access', 'ccpa', '2026-03-02T16:00:00Z'),
    '2026-03-05T16:00:00Z',
    'unverifiable',
  );
  await f.complete(await f.file('access', 'gdpr', '2026-04-01T16:00:00Z'), '2026-04-02T16:00:00Z');
  await f.deny(
    await f.file('erase', 'ccpa', '2026-05-01T16:00:00Z'),
    '2026-05-11T16:00:00Z',
    'exemption_applies',
  );
  await f.cancel(await f.file('rectify', 'ccpa', '2026-07-01T16:00:00Z'), '2026-07-02T16:00:00Z');
  await f.complete(await f.file('opt_out', 'ccpa', '2026-06-01T16:00:00Z'), '2026-06-01T16:30:00Z');
  await runtime.close();
}, 120_000);
afterAll(async () => {
  await testDb?.drop();
});

describe(`rightsdesk report metrics (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('--year 2026 --format json → the report object with hand-computed numbers, exit 0', () => {
    const { status, stdout, stderr } = runCli(
      ['report', 'metrics', '--year', '2026', '--format', 'json'],
      env,
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ year: 2026, law: 'all', timeZone: 'America/Los_Angeles' });
    expect(report.types.access).toMatchObject({
      received: 2,
      compliedWholeOrPart: 1,
      denied: 1,
      deniedByReason: { unverifiable: 1, other: 0 },
      medianDays: 2,
      meanDays: 2,
    });
    expect(report.types.rectify).toMatchObject({
      received: 1,
      withdrawn: 1,
      medianDays: null,
      meanDays: null,
    });
    expect(report.notes.join(' ')).toContain('not only California consumers');
  });

  it('--law ccpa --format csv → a header and one row per type, GDPR left out', () => {
    const { status, stdout } = runCli(
      ['report', 'metrics', '--year', '2026', '--format', 'csv', '--law', 'ccpa'],
      env,
    );
    expect(status).toBe(0);
    expect(stdout.split('\r\n')).toEqual([
      'year,law,type,received,complied_whole_or_part,denied,denied_unverifiable,denied_manifestly_unfounded_or_excessive,denied_exemption_applies,denied_not_a_consumer,denied_other,withdrawn,open,median_days,mean_days',
      '2026,ccpa,access,1,0,1,1,0,0,0,0,0,0,3,3',
      '2026,ccpa,erase,1,0,1,0,0,1,0,0,0,0,10,10',
      '2026,ccpa,rectify,1,0,0,0,0,0,0,0,1,0,,',
      '2026,ccpa,opt_out,1,1,0,0,0,0,0,0,0,0,0,0',
      '',
    ]);
  });

  it('--format html → one standalone page: a captioned table with scoped headers and the notes, nothing external', () => {
    const { status, stdout } = runCli(['report', 'metrics', '--year', '2025', '--format', 'html'], env);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(stdout).toContain('<title>Privacy request metrics for 2025 (11 CCR §7102)');
    expect(stdout).toContain(
      '<caption>Requests received in 2025 (all laws), by request type: know (access), delete, correct, opt-out (of sale or sharing)</caption>',
    );
    expect(stdout.match(/<th scope="col"/g)).toHaveLength(5);
    expect(stdout.match(/<th scope="row"/g)).toHaveLength(12);
    expect(stdout).toMatch(
      /data-metric="received">\s*<th scope="row">Received<\/th>\s*<td>1<\/td><td>0<\/td>/,
    );
    expect(stdout).toContain('How these numbers are counted');
    expect(stdout).not.toMatch(/<script|<link|src=/);
  });

  it('a bad --format or --year → exit 2 with one line naming the option, before touching the database', () => {
    const format = runCli(['report', 'metrics', '--format', 'xml'], env);
    expect(format.status).toBe(2);
    expect(format.stderr.trim().split('\n')).toEqual(['error: --format: must be json, csv or html']);
    const year = runCli(['report', 'metrics', '--year', 'last'], env);
    expect(year.status).toBe(2);
    expect(year.stderr).toContain('--year: must be a year such as 2026');
  });
});
