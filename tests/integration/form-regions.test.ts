import { describe, expect, it } from 'vitest';
import {
  countRows,
  findByReference,
  openPage,
  referenceFromRedirect,
  submitForm,
  waitForMail,
} from '../helpers/intake.ts';
import { useIntakeHarness } from '../helpers/intake-harness.ts';

const receivedAt = new Date('2026-01-09T18:00:00.000Z');
const radios = (html: string) =>
  [...html.matchAll(/<input type="radio" name="region" id="region-([a-z]+)"/g)].map((m) => m[1]);
const label = (html: string, region: string) =>
  new RegExp(`<label for="region-${region}">([^<]+)</label>`).exec(html)?.[1];

describe('the web form offers the places FORM_REGIONS lists, each with its own law and clock', () => {
  const h = useIntakeHarness({
    prefix: 'regions',
    start: receivedAt,
    env: { FORM_REGIONS: 'eu,brazil,switzerland,virginia', ORG_DEFAULT_LAW: 'uk-gdpr' },
  });

  it('the form → exactly the listed places in the order given, then "Somewhere else"; in Polish too', async () => {
    const { html } = await openPage(h.rt.app, '/');
    expect(radios(html)).toEqual(['eu', 'brazil', 'switzerland', 'virginia', 'other']);
    expect(label(html, 'brazil')).toBe('In Brazil');
    expect(label(html, 'other')).toBe('Somewhere else');
    const polish = await openPage(h.rt.app, '/?lang=pl');
    expect(label(polish.html, 'virginia')).toBe('W Wirginii');
    expect(label(polish.html, 'switzerland')).toBe('W Szwajcarii');
  });

  it.each([
    // LGPD: 15 calendar days (São Paulo), the safe date a working day before the Saturday.
    ['brazil', 'lgpd', '2026-01-24', '2026-01-23'],
    // FADP: 30 days lands on Sunday 8 February, so Monday.
    ['switzerland', 'fadp', '2026-02-09', '2026-02-06'],
    // VCDPA: 45 days.
    ['virginia', 'vcdpa', '2026-02-23', '2026-02-23'],
    ['other', 'uk-gdpr', '2026-02-09', '2026-02-09'],
  ])(
    'form: access from %s → stored under %s, due %s (safe %s), and the email is sent',
    async (region, law, dueBy, safeDueBy) => {
      const email = `regions-${region}@example.org`;
      const res = await submitForm(h.rt.app, { type: 'access', region, email });
      expect(res.status).toBe(303);
      const row = await findByReference(h.rt.database.db, referenceFromRedirect(res.headers.location));
      expect(row).toMatchObject({ law, dueBy, safeDueBy, status: 'unverified' });
      await waitForMail(h.sink, email, /^Confirm your privacy request RD-/);
    },
  );

  it('form: a place the form does not list (california) → 400 page asking where you live, nothing stored', async () => {
    const before = await countRows(h.rt.database.db);
    const res = await submitForm(h.rt.app, {
      type: 'access',
      region: 'california',
      email: 'regions-ca@example.org',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="region-error"');
    expect(res.text).toContain('Choose where you live.');
    expect(radios(res.text)).toEqual(['eu', 'brazil', 'switzerland', 'virginia', 'other']);
    expect(await countRows(h.rt.database.db)).toEqual(before);
  });
});
