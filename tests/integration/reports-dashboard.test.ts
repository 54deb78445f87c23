import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportsRuntime, reportsFixture } from '../helpers/reports-fixture.ts';
import { bearerFor, browserSessionFor, type StaffBrowser } from '../helpers/staff.ts';
import { onPostgres } from '../helpers/test-db.ts';
import type { TestRuntime } from '../helpers/test-runtime.ts';

/*
 * Now: Wednesday 18 March 2026, 12:00 in Los Angeles (ORG_TIMEZONE); this week is 16–22 March.
 * Open (safe due date from the legal clock):
 *   D1 access ccpa rec 2026-01-09, pending review     safe due 2026-02-23 → overdue
 *   D2 erase  ccpa rec 2026-02-05, processing         safe due 2026-03-20 → due this week
 *   D3 access ccpa rec 2026-03-10, unverified         safe due 2026-04-24
 *   D4 rectify gdpr rec 2026-02-17, awaiting subject  safe due 2026-03-17 (GDPR does not pause) → overdue
 *   D5 opt_out ccpa rec 2026-03-16, processing        safe due 2026-04-06
 * Closed in the last 90 days (due 2026-02-23 for a CCPA request received 2026-01-09):
 *   C1 access completed 2026-02-20 → on time;  C2 access completed 2026-02-24 → late
 *   C3 erase denied 2026-02-24 05:00 UTC = 23 February 21:00 in Los Angeles → on time
 *   C6 access extended (due 2026-04-09), completed 2026-03-01 → on time
 *   C4 access rec 2026-03-09 06:00 UTC (Sunday 8 March in Los Angeles), cancelled → not counted
 *   C5 access rec 2025-09-01, completed 2025-12-01 (late, but before the window) → not counted
 * On time: 3 of 4 = 75%.
 */
const nowIso = '2026-03-18T19:00:00.000Z';
const clock = { now: new Date('2025-09-01T00:00:00Z') };

const week = (weekStart: string, counts: Partial<Record<string, number>> = {}) => {
  const row = { weekStart, access: 0, erase: 0, rectify: 0, opt_out: 0, ...counts };
  return { ...row, total: row.access + row.erase + row.rectify + row.opt_out };
};

describe(`DPO dashboard (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let rt: TestRuntime;
  let dpo: string;
  let support: string;
  let browser: StaffBrowser;

  beforeAll(async () => {
    rt = await createReportsRuntime(clock);
    const f = reportsFixture(rt, clock);
    const c5 = await f.file('access', 'ccpa', '2025-09-01T18:00:00Z');
    await f.complete(c5, '2025-12-01T18:00:00Z');
    await f.file('access', 'ccpa', '2026-01-09T18:00:00Z');
    const c1 = await f.file('access', 'ccpa', '2026-01-09T18:00:00Z');
    await f.complete(c1, '2026-02-20T18:00:00Z');
    const c2 = await f.file('access', 'ccpa', '2026-01-09T18:00:00Z');
    await f.complete(c2, '2026-02-24T18:00:00Z');
    const c3 = await f.file('erase', 'ccpa', '2026-01-09T18:00:00Z');
    await f.deny(c3, '2026-02-24T05:00:00Z', 'other');
    const c6 = await f.file('access', 'ccpa', '2026-01-09T18:00:00Z');
    await f.extend(c6, '2026-02-10T18:00:00Z');
    await f.complete(c6, '2026-03-01T18:00:00Z');
    const d2 = await f.file('erase', 'ccpa', '2026-02-05T18:00:00Z');
    await f.approve(d2, '2026-02-06T18:00:00Z');
    const d4 = await f.file('rectify', 'gdpr', '2026-02-17T10:00:00Z');
    await f.requestInfo(d4, '2026-02-18T10:00:00Z');
    const c4 = await f.file('access', 'ccpa', '2026-03-09T06:00:00Z');
    await f.cancel(c4, '2026-03-10T18:00:00Z');
    await f.file('access', 'ccpa', '2026-03-10T18:00:00Z', { verify: false });
    await f.file('opt_out', 'ccpa', '2026-03-16T18:00:00Z');
    clock.now = new Date(nowIso);
    dpo = await bearerFor(rt, 'dpo');
    support = await bearerFor(rt, 'support');
    browser = await browserSessionFor(rt, 'dpo');
  }, 120_000);
  afterAll(async () => {
    await rt?.dispose();
  });

  const api = (bearer?: string) => {
    const req = request(rt.app).get('/api/v1/staff/dashboard').set('Accept', 'application/json');
    return bearer ? req.set('Authorization', bearer) : req;
  };

  it('GET /api/v1/staff/dashboard → open by status, overdue, due this week, on-time rate and 12 weeks by type', async () => {
    const res = await api(dpo);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      generatedAt: nowIso,
      timeZone: 'America/Los_Angeles',
      today: '2026-03-18',
      open: {
        total: 5,
        byStatus: {
          unverified: 1,
          pending_review: 1,
          awaiting_subject: 1,
          approved: 0,
          processing: 2,
          failed: 0,
        },
      },
      dueThisWeek: { from: '2026-03-18', to: '2026-03-22', count: 1 },
      overdue: 2,
      onTime: {
        windowDays: 90,
        from: '2025-12-18T19:00:00.000Z',
        to: nowIso,
        closed: 4,
        onTime: 3,
        percent: 75,
      },
    });
    expect(res.body.weekly).toEqual([
      week('2025-12-29'),
      week('2026-01-05', { access: 4, erase: 1 }),
      week('2026-01-12'),
      week('2026-01-19'),
      week('2026-01-26'),
      week('2026-02-02', { erase: 1 }),
      week('2026-02-09'),
      week('2026-02-16', { rectify: 1 }),
      week('2026-02-23'),
      week('2026-03-02', { access: 1 }),
      week('2026-03-09', { access: 1 }),
      week('2026-03-16', { opt_out: 1 }),
    ]);
  });

  it('support → 403 on the API and the page; no token → 401', async () => {
    expect((await api(support)).status).toBe(403);
    expect((await api()).status).toBe(401);
    const supportBrowser = await browserSessionFor(rt, 'support');
    expect((await supportBrowser.agent.get('/staff/dashboard').set('Accept', 'text/html')).status).toBe(403);
    const home = await supportBrowser.agent.get('/staff').set('Accept', 'text/html');
    expect(home.text).not.toContain('href="/staff/dashboard"');
  });

  it('the page /staff/dashboard → every number equals the API answer', async () => {
    const body = (await api(dpo)).body;
    const res = await browser.agent.get('/staff/dashboard').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    const html = res.text;
    const dd = (id: string) => new RegExp(`<dd id="${id}">([^<]*)</dd>`).exec(html)?.[1];
    expect(dd('dash-open')).toBe(String(body.open.total));
    expect(dd('dash-overdue')).toBe(String(body.overdue));
    expect(dd('dash-due-week')).toBe(String(body.dueThisWeek.count));
    expect(dd('dash-on-time')).toBe(
      `${body.onTime.percent}% (${body.onTime.onTime} of ${body.onTime.closed})`,
    );
    const statusRows = Object.fromEntries(
      [...html.matchAll(/<tr data-status="(\w+)"><th scope="row">[^<]*<\/th><td>(\d+)<\/td><\/tr>/g)].map(
        (m) => [m[1], Number(m[2])],
      ),
    );
    expect(statusRows).toEqual(body.open.byStatus);
    const weekRows = [...html.matchAll(/<tr data-week="([\d-]+)">(.*?)<\/tr>/g)].map((m) => {
      const [access, erase, rectify, optOut, total] = [...m[2]!.matchAll(/<td>(\d+)<\/td>/g)].map((c) =>
        Number(c[1]),
      );
      return { weekStart: m[1], access, erase, rectify, opt_out: optOut, total };
    });
    expect(weekRows).toEqual(body.weekly);
  });

  it('the charts → inline SVG with role img, a title and description, a data table, labels and patterns, 3:1 fills', async () => {
    const html = (await browser.agent.get('/staff/dashboard').set('Accept', 'text/html')).text;
    expect(html).not.toContain('<script');
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(2);
    for (const svg of svgs) {
      const open = /<svg ([^>]*)>/.exec(svg)![1]!;
      expect(open).toContain('role="img"');
      expect(open).toMatch(/viewBox="0 0 \d+ \d+"/);
      expect(open).toContain('width="100%"');
      const [titleId, descId] = /aria-labelledby="([^"]+)"/.exec(open)![1]!.split(' ');
      expect(svg).toMatch(new RegExp(`<title id="${titleId}">[^<]+</title>`));
      expect(svg).toMatch(new RegExp(`<desc id="${descId}">[^<]+</desc>`));
      // Each chart is followed by its table (the text alternative), inside the same figure.
      const after = html.slice(html.indexOf(svg) + svg.length, html.indexOf('</figure>', html.indexOf(svg)));
      expect(after).toMatch(/<details>\s*<summary>[^<]+<\/summary>[\s\S]*<table/);
      // Bars and legend swatches: solid colours or patterns whose base colour has 3:1 against white.
      for (const fill of svg.matchAll(/<rect [^>]*fill="(#[0-9a-f]{6})"/g)) {
        if (fill[1] === '#ffffff') continue;
        expect(contrastWithWhite(fill[1]!), fill[1]).toBeGreaterThanOrEqual(3);
      }
    }
    const weekly = svgs[1]!;
    // Not by colour alone: a legend naming each type, a distinct pattern per stacked series, totals as text.
    for (const label of ['Know', 'Delete', 'Correct', 'Opt-out'])
      expect(weekly).toContain(`>${label}</text>`);
    expect(weekly.match(/<pattern id=/g)).toHaveLength(3);
    expect(weekly).toContain('fill="url(#chart-weekly-erase)"');
    expect(weekly).toMatch(/<text [^>]*font-weight="700">5<\/text>/);
    expect(svgs[0]).toMatch(/>Processing<\/text>/);
  });

  it('the staff home page → links the dashboard and the reports for a DPO', async () => {
    const home = await browser.agent.get('/staff').set('Accept', 'text/html');
    expect(home.text).toContain('<a href="/staff/dashboard">Dashboard</a>');
    expect(home.text).toContain('<a href="/staff/reports">Reports</a>');
  });
});

/** WCAG 2 contrast ratio of a colour against white. */
function contrastWithWhite(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  return 1.05 / (luminance + 0.05);
}
