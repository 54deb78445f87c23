import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportsRuntime, reportsFixture } from '../helpers/reports-fixture.ts';
import { bearerFor, browserSessionFor, type StaffBrowser } from '../helpers/staff.ts';
import { onPostgres } from '../helpers/test-db.ts';
import type { TestRuntime } from '../helpers/test-runtime.ts';

/*
 * A hand-computed fixture history in America/Los_Angeles (ORG_TIMEZONE). Times are UTC; the local
 * date (Los Angeles) is what counts. Days = local date of the response − local date of receipt.
 *
 * access  A1 ccpa rec 2025-12-30 10:00 → completed 2026-01-05           → 2025, 6 days
 *         A2 ccpa rec 2025-12-31 21:00 (2026-01-01 05:00 UTC) → completed 2026-01-02 → 2025, 2 days
 *         A3 ccpa rec 2026-01-01 01:00 → completed 2026-01-11            → 10 days
 *         A4 ccpa rec 2026-02-02 23:30 → completed 2026-02-03 00:30      → 1 day (UTC would say 0)
 *         A5 ccpa rec 2026-03-02 → denied unverifiable 2026-03-09        → 7 days
 *         A6 ccpa rec 2026-03-10, never verified → expired 2026-03-24    → denied (unverifiable), 14 days
 *         A7 ccpa rec 2026-12-30 → completed 2027-01-05                  → 2026, 6 days
 *         A8 ccpa rec 2026-04-01 → cancelled 2026-04-02                  → withdrawn
 *         A9 ccpa rec 2026-05-01, still pending review                   → open
 *         A10 ccpa rec 2027-01-02 → denied other 2027-01-03             → 2027, 1 day
 * erase   E1 ccpa 2026-01-15 → denied exemption_applies 2026-02-14       → 30 days
 *         E2 ccpa 2026-01-20 → denied manifestly_unfounded… 2026-01-21   → 1 day
 *         E3 ccpa 2026-02-01 → completed 2026-02-11                      → 10 days
 *         E4 gdpr 2026-02-10 → denied not_a_consumer 2026-02-12          → 2 days
 * rectify R1 ccpa 2026-06-01 → denied other 2026-06-04                   → 3 days
 *         R2 ccpa 2026-06-02 → completed 2026-06-05                      → 3 days
 * opt_out O1 ccpa 2026-07-01 09:00 → completed 09:05                     → 0 days
 *         O2 gdpr 2026-07-02 → completed 2026-07-03                      → 1 day
 */
const clock = { now: new Date('2025-12-01T00:00:00Z') };
const reportTime = '2027-02-01T12:00:00.000Z';

const zeroReasons = {
  unverifiable: 0,
  manifestly_unfounded_or_excessive: 0,
  exemption_applies: 0,
  not_a_consumer: 0,
  other: 0,
};
const empty = {
  received: 0,
  compliedWholeOrPart: 0,
  denied: 0,
  deniedByReason: zeroReasons,
  withdrawn: 0,
  open: 0,
  medianDays: null,
  meanDays: null,
};

const expected2026 = {
  access: {
    received: 7,
    compliedWholeOrPart: 3,
    denied: 2,
    deniedByReason: { ...zeroReasons, unverifiable: 2 },
    withdrawn: 1,
    open: 1,
    // days 1, 6, 7, 10, 14
    medianDays: 7,
    meanDays: 7.6,
  },
  erase: {
    received: 4,
    compliedWholeOrPart: 1,
    denied: 3,
    deniedByReason: {
      ...zeroReasons,
      exemption_applies: 1,
      manifestly_unfounded_or_excessive: 1,
      not_a_consumer: 1,
    },
    withdrawn: 0,
    open: 0,
    // days 1, 2, 10, 30: mean 10.75
    medianDays: 6,
    meanDays: 10.8,
  },
  rectify: {
    received: 2,
    compliedWholeOrPart: 1,
    denied: 1,
    deniedByReason: { ...zeroReasons, other: 1 },
    withdrawn: 0,
    open: 0,
    medianDays: 3,
    meanDays: 3,
  },
  opt_out: {
    received: 2,
    compliedWholeOrPart: 2,
    denied: 0,
    deniedByReason: zeroReasons,
    withdrawn: 0,
    open: 0,
    medianDays: 0.5,
    meanDays: 0.5,
  },
};

describe(`§7102 metrics report (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let rt: TestRuntime;
  const bearers: Record<string, string> = {};
  let dpoBrowser: StaffBrowser;

  beforeAll(async () => {
    rt = await createReportsRuntime(clock);
    const f = reportsFixture(rt, clock);
    const a1 = await f.file('access', 'ccpa', '2025-12-30T18:00:00Z');
    await f.complete(a1, '2026-01-05T18:00:00Z');
    const a2 = await f.file('access', 'ccpa', '2026-01-01T05:00:00Z');
    await f.complete(a2, '2026-01-02T18:00:00Z');
    const a3 = await f.file('access', 'ccpa', '2026-01-01T09:00:00Z');
    await f.complete(a3, '2026-01-11T17:00:00Z');
    const a4 = await f.file('access', 'ccpa', '2026-02-03T07:30:00Z');
    await f.complete(a4, '2026-02-03T08:30:00Z');
    const a5 = await f.file('access', 'ccpa', '2026-03-02T16:00:00Z');
    await f.deny(a5, '2026-03-09T16:00:00Z', 'unverifiable');
    await f.file('access', 'ccpa', '2026-03-10T16:00:00Z', { verify: false });
    expect((await f.sweep('2026-03-24T17:00:00Z')).expired).toBe(1);
    const a7 = await f.file('access', 'ccpa', '2026-12-30T20:00:00Z');
    await f.complete(a7, '2027-01-05T20:00:00Z');
    const a8 = await f.file('access', 'ccpa', '2026-04-01T16:00:00Z');
    await f.cancel(a8, '2026-04-02T16:00:00Z');
    await f.file('access', 'ccpa', '2026-05-01T16:00:00Z');
    const a10 = await f.file('access', 'ccpa', '2027-01-02T20:00:00Z');
    await f.deny(a10, '2027-01-03T20:00:00Z', 'other');

    const e1 = await f.file('erase', 'ccpa', '2026-01-15T16:00:00Z');
    await f.deny(e1, '2026-02-14T16:00:00Z', 'exemption_applies');
    const e2 = await f.file('erase', 'ccpa', '2026-01-20T16:00:00Z');
    await f.deny(e2, '2026-01-21T16:00:00Z', 'manifestly_unfounded_or_excessive');
    const e3 = await f.file('erase', 'ccpa', '2026-02-01T16:00:00Z');
    await f.complete(e3, '2026-02-11T16:00:00Z');
    const e4 = await f.file('erase', 'gdpr', '2026-02-10T16:00:00Z');
    await f.deny(e4, '2026-02-12T16:00:00Z', 'not_a_consumer');

    const r1 = await f.file('rectify', 'ccpa', '2026-06-01T16:00:00Z');
    await f.deny(r1, '2026-06-04T16:00:00Z', 'other');
    const r2 = await f.file('rectify', 'ccpa', '2026-06-02T16:00:00Z');
    await f.complete(r2, '2026-06-05T16:00:00Z');

    const o1 = await f.file('opt_out', 'ccpa', '2026-07-01T16:00:00Z');
    await f.complete(o1, '2026-07-01T16:05:00Z');
    const o2 = await f.file('opt_out', 'gdpr', '2026-07-02T16:00:00Z');
    await f.complete(o2, '2026-07-03T16:00:00Z');

    clock.now = new Date(reportTime);
    for (const role of ['admin', 'dpo', 'support'] as const) bearers[role] = await bearerFor(rt, role);
    dpoBrowser = await browserSessionFor(rt, 'dpo');
  }, 120_000);
  afterAll(async () => {
    await rt?.dispose();
  });

  const metrics = (query: string, role = 'dpo') =>
    request(rt.app)
      .get(`/api/v1/staff/reports/metrics${query}`)
      .set('Authorization', bearers[role]!)
      .set('Accept', 'application/json');

  it('year 2026, all laws → the hand-computed numbers per type, with the year rule and the all-individuals note', async () => {
    const res = await metrics('?year=2026');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      year: 2026,
      law: 'all',
      timeZone: 'America/Los_Angeles',
      generatedAt: reportTime,
    });
    expect(res.body.types).toEqual(expected2026);
    const notes = res.body.notes.join('\n');
    expect(notes).toContain('A request received in 2026 and answered in 2027 counts in 2026');
    expect(notes).toContain('Includes all individuals, not only California consumers');
    expect(notes).toContain('reported as denied as unverifiable');
  });

  it('year 2025 → the requests received before New Year (Los Angeles) and answered in January, with their days', async () => {
    const res = await metrics('?year=2025');
    expect(res.status).toBe(200);
    expect(res.body.types).toEqual({
      // A1: 6 days, A2 (received 05:00 UTC on 1 January, still 31 December in Los Angeles): 2 days
      access: { ...empty, received: 2, compliedWholeOrPart: 2, medianDays: 4, meanDays: 4 },
      erase: empty,
      rectify: empty,
      opt_out: empty,
    });
  });

  it('year 2027 → only the request received in 2027, not the 2026 one answered in 2027', async () => {
    const res = await metrics('?year=2027');
    expect(res.body.types.access).toEqual({
      ...empty,
      received: 1,
      denied: 1,
      deniedByReason: { ...zeroReasons, other: 1 },
      medianDays: 1,
      meanDays: 1,
    });
    expect(res.body.types.erase).toEqual(empty);
  });

  it('law=ccpa → GDPR requests left out, and the note says which law', async () => {
    const res = await metrics('?year=2026&law=ccpa');
    expect(res.status).toBe(200);
    expect(res.body.law).toBe('ccpa');
    expect(res.body.types).toEqual({
      access: expected2026.access,
      // E1 30, E2 1, E3 10 days: mean 13.67
      erase: {
        ...expected2026.erase,
        received: 3,
        denied: 2,
        deniedByReason: { ...zeroReasons, exemption_applies: 1, manifestly_unfounded_or_excessive: 1 },
        medianDays: 10,
        meanDays: 13.7,
      },
      rectify: expected2026.rectify,
      opt_out: { ...expected2026.opt_out, received: 1, compliedWholeOrPart: 1, medianDays: 0, meanDays: 0 },
    });
    expect(res.body.notes.join('\n')).not.toContain('all individuals');
  });

  it('admin → 200; support → 403; no token → 401; bad year or law → 400 naming the parameter', async () => {
    expect((await metrics('?year=2026', 'admin')).status).toBe(200);
    expect((await metrics('?year=2026', 'support')).status).toBe(403);
    const anonymous = await request(rt.app)
      .get('/api/v1/staff/reports/metrics')
      .set('Accept', 'application/json');
    expect(anonymous.status).toBe(401);
    const badYear = await metrics('?year=26');
    expect(badYear.status).toBe(400);
    expect(badYear.body.errors).toEqual([{ path: 'year', message: 'must be a year such as 2026' }]);
    const badLaw = await metrics('?law=nope');
    expect(badLaw.status).toBe(400);
    expect(badLaw.body.errors[0].path).toBe('law');
  });

  it('no year → the current year in the organisation time zone (2027 at the report time)', async () => {
    expect((await metrics('')).body.year).toBe(2027);
  });

  it('staff page /staff/reports?year=2026 → the same numbers in an accessible table, with a CSV link', async () => {
    const page = await dpoBrowser.agent.get('/staff/reports?year=2026').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain(
      '<caption>Requests received in 2026 (all laws), by request type: know (access), delete, correct, opt-out (of sale or sharing)</caption>',
    );
    expect(html).toContain('<th scope="col" id="col-access">Know</th>');
    const cells = (metric: string) =>
      [
        ...(new RegExp(`data-metric="${metric}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '').matchAll(
          /<td>([^<]*)<\/td>/g,
        ),
      ].map((m) => m[1]);
    // Columns: access, erase, rectify, opt_out
    expect(cells('received')).toEqual(['7', '4', '2', '2']);
    expect(cells('denied.unverifiable')).toEqual(['2', '0', '0', '0']);
    expect(cells('meanDays')).toEqual(['7.6', '10.8', '3', '0.5']);
    expect(html.replaceAll('&#x3D;', '=')).toContain('href="/staff/reports/metrics.csv?year=2026"');
    const csv = await dpoBrowser.agent.get('/staff/reports/metrics.csv?year=2026');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('rightsdesk-metrics-2026-all.csv');
    expect(csv.text.split('\r\n')[1]).toBe('2026,all,access,7,3,2,2,0,0,0,0,1,1,7,7.6');
  });

  it('GET /api/openapi.json → documents the metrics and dashboard endpoints', async () => {
    const paths = (await request(rt.app).get('/api/openapi.json')).body.paths;
    const metricsDoc = paths['/api/v1/staff/reports/metrics'].get;
    expect(metricsDoc.parameters.map((p: { name: string }) => p.name)).toEqual(['year', 'law']);
    const typeSchema = metricsDoc.responses['200'].content['application/json'].schema.properties.types;
    expect(Object.keys(typeSchema.properties)).toEqual(['access', 'erase', 'rectify', 'opt_out']);
    expect(paths['/api/v1/staff/dashboard'].get.responses['403']).toBeDefined();
  });

  it('support signed in → /staff/reports and /staff/reports/metrics.csv are 403', async () => {
    const support = await browserSessionFor(rt, 'support');
    expect((await support.agent.get('/staff/reports').set('Accept', 'text/html')).status).toBe(403);
    expect((await support.agent.get('/staff/reports/metrics.csv')).status).toBe(403);
  });
});
