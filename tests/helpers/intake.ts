import { eq, sql } from 'drizzle-orm';
import type { Express } from 'express';
import type { AddressObject, ParsedMail } from 'mailparser';
import request from 'supertest';
import type { Db } from '../../src/db/client.ts';
import { auditEvents, outbox, type RequestRow, requests, verificationTokens } from '../../src/db/schema.ts';
import type { SmtpSink } from './smtp-sink.ts';

/** Files that do not test the intake limits: nothing they do is ever rate limited. */
export const generousLimits = { INTAKE_LIMIT_PER_IP: '1000', INTAKE_LIMIT_PER_EMAIL: '1000' };

/**
 * The requests.sweep cron runs on real time every 10 minutes, with the test's moved clock. Files that
 * move the clock by a day or more but do not test the sweep push its thresholds out of reach.
 */
export const quietSweep = { VERIFICATION_REMINDER_HOURS: '312', UNVERIFIED_EXPIRY_DAYS: '90' };

export const referenceShape = /^RD-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/;

export type Browser = { cookie: string; csrf: string };
export type Page = Browser & { status: number; html: string };

/** Opens a page like a browser: keeps (or receives) the rd_csrf cookie and reads the hidden _csrf field. */
export async function openPage(app: Express, path: string, cookie?: string): Promise<Page> {
  const req = request(app).get(path).set('Accept', 'text/html');
  if (cookie) req.set('Cookie', cookie);
  const res = await req;
  const setCookie = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const fresh = setCookie.find((c) => c.startsWith('rd_csrf='))?.split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
  return { status: res.status, html: res.text, cookie: fresh ?? cookie ?? '', csrf };
}

export type FormFields = Record<string, string | string[] | undefined>;

/** URL-encodes like a browser: repeated fields repeat their name (no `a[0]=` brackets). */
export function encodeForm(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) params.append(name, v);
  }
  return params.toString();
}

/** Posts a form with the browser's cookie and CSRF token (pass `browser: null` to send neither). */
export async function postForm(app: Express, path: string, fields: FormFields, browser: Browser | null) {
  const req = request(app).post(path).type('form').set('Accept', 'text/html');
  if (browser?.cookie) req.set('Cookie', browser.cookie);
  const body = browser ? { _csrf: browser.csrf, ...fields } : fields;
  return req.send(encodeForm(body));
}

/**
 * Opens `path` and posts to it as the same browser would (e.g. pressing a confirm button twice). The
 * CSRF token belongs to the browser's cookie, not to a page: error pages carry none, so take it from `/`.
 */
export async function openAndPost(app: Express, path: string, fields: FormFields = {}) {
  const home = await openPage(app, '/');
  const page = await openPage(app, path, home.cookie);
  const res = await postForm(app, path, fields, { cookie: home.cookie, csrf: page.csrf || home.csrf });
  return Object.assign(res, { page });
}

/** Opens `/` and posts the request form from it. */
export async function submitForm(app: Express, fields: FormFields) {
  const form = await openPage(app, '/');
  return postForm(app, '/requests', fields, form);
}

export function submitApi(app: Express, body: unknown) {
  return request(app)
    .post('/api/v1/requests')
    .set('Accept', 'application/json')
    .send(body as object);
}

/** The reference in a form post's redirect (`/requests/received?ref=…`). */
export function referenceFromRedirect(location: string | undefined): string {
  const ref = new URL(location ?? '', 'http://x').searchParams.get('ref');
  if (!ref) throw new Error(`no reference in redirect ${location}`);
  return ref;
}

export async function findByReference(db: Db, reference: string): Promise<RequestRow> {
  const [row] = await db.select().from(requests).where(eq(requests.reference, reference));
  if (!row) throw new Error(`no request ${reference}`);
  return row;
}

export type RowCounts = { requests: number; outbox: number; audit: number; tokens: number };

export async function countRows(db: Db): Promise<RowCounts> {
  const n = async (
    table: typeof requests | typeof outbox | typeof auditEvents | typeof verificationTokens,
  ) => {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
    return Number(row?.n);
  };
  return {
    requests: await n(requests),
    outbox: await n(outbox),
    audit: await n(auditEvents),
    tokens: await n(verificationTokens),
  };
}

function addresses(mail: ParsedMail): string[] {
  const to = [mail.to ?? []].flat() as AddressObject[];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** Mails the sink accepted for `to`, oldest first, optionally only those whose subject matches. */
export function mailsTo(sink: SmtpSink, to: string, subject?: RegExp): ParsedMail[] {
  return sink.messages.filter(
    (m) => addresses(m).includes(to.toLowerCase()) && (!subject || subject.test(m.subject ?? '')),
  );
}

/** Waits until `count` mails for `to` (matching `subject`) arrived; returns the latest one. */
export async function waitForMail(
  sink: SmtpSink,
  to: string,
  subject: RegExp,
  count = 1,
  timeoutMs = 20_000,
): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = mailsTo(sink, to, subject);
    if (found.length >= count) return found[count - 1]!;
    if (Date.now() > deadline) {
      const seen = mailsTo(sink, to).map((m) => m.subject);
      throw new Error(`expected ${count} mail(s) to ${to} matching ${subject}; got ${JSON.stringify(seen)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The path (`/verify/{token}` or `/status/{token}`) of the link of that kind in a mail's text body. */
export function linkIn(
  mail: ParsedMail,
  kind: 'verify' | 'status',
): { url: string; path: string; token: string } {
  const match = new RegExp(`(https?://[^\\s/]+)/${kind}/([A-Za-z0-9_.-]+)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${kind} link in mail "${mail.subject}":\n${mail.text}`);
  return { url: match[0], path: `/${kind}/${match[2]}`, token: match[2]! };
}

export type Link = { url: string; path: string; token: string };

/** Replaces one character in the middle of a JWT's signature (not the last: its low bits are padding). */
export function tamperSignature(token: string): string {
  const [h, p, s = ''] = token.split('.');
  const i = Math.floor(s.length / 2);
  const swapped = s[i] === 'A' ? 'B' : 'A';
  return `${h}.${p}.${s.slice(0, i)}${swapped}${s.slice(i + 1)}`;
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * A local date (YYYY-MM-DD) as English readers see it, as a regex source: "23 February 2026" or
 * "February 23, 2026" (the page's English variant is a presentation choice; the day is what counts).
 */
export function englishDate(value: string): string {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const month = monthNames[m - 1];
  return `(?:${d} ${month} ${y}|${month} ${d}, ${y})`;
}

/** The visible text of a page, tags stripped and whitespace collapsed, for plain-words assertions. */
export function pageText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
