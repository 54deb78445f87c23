import Holidays from 'date-holidays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../../src/deadlines/compute.ts';
import { lawRule } from '../../../src/deadlines/laws.ts';
import { LAW_IDS, REQUEST_TYPES } from '../../../src/deadlines/rules.ts';
import { type ClockSettings, defaultClockSettings } from '../../../src/deadlines/settings.ts';

// Independent of src: the local date through Intl, the weekday and holidays straight from date-holidays.
function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

const holidayDates = new Map<string, Set<string>>();
function isWorkingDay(date: string, source: { country: string; region?: string } | null): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  if (!source) return true;
  const year = Number(date.slice(0, 4));
  const key = `${source.country}-${source.region ?? ''}-${year}`;
  let dates = holidayDates.get(key);
  if (!dates) {
    const hd = source.region ? new Holidays(source.country, source.region) : new Holidays(source.country);
    dates = new Set(hd.getHolidays(year).flatMap((h) => (h.type === 'public' ? [h.date.slice(0, 10)] : [])));
    holidayDates.set(key, dates);
  }
  return !dates.has(date);
}

const instants = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T23:59:59Z'),
  noInvalidDate: true,
});
const settingsArb = fc.record({
  orgCountry: fc.constantFrom('PL', 'DE', 'FR', 'IE'),
  orgTimeZone: fc.constantFrom('Europe/Warsaw', 'Europe/Berlin', 'Europe/Paris', 'Europe/Dublin'),
  ccpaBusinessDays: fc.constantFrom('weekdays', 'us-federal', 'us-ca'),
  caloppaResponseDays: fc.integer({ min: 3, max: 90 }),
}) as fc.Arbitrary<ClockSettings>;

const combos = LAW_IDS.flatMap((law) => REQUEST_TYPES.map((type) => ({ law, type })));

describe('properties over random instants', () => {
  it.each(combos)(
    '$law $type → receivedOn is the local date, receivedOn ≤ dueBy, safeDueBy ≤ dueBy, safeDueBy is a working day, extendedDueBy ≥ dueBy',
    ({ law, type }) => {
      fc.assert(
        fc.property(instants, settingsArb, (instant, settings) => {
          const result = computeDeadline({ law, type, received: instant.toISOString() }, settings);
          const rule = lawRule(law, settings);
          expect(result.receivedOn).toBe(localDate(instant, result.timeZone));
          expect(result.dueBy > result.receivedOn).toBe(true);
          expect(result.safeDueBy <= result.dueBy).toBe(true);
          expect(result.safeDueBy > result.receivedOn).toBe(true);
          expect(isWorkingDay(result.safeDueBy, rule.calendar.holidays)).toBe(true);
          if (result.extendedDueBy !== null) {
            expect(result.extendedDueBy >= result.dueBy).toBe(true);
            expect(result.extensionNoticeBy).toBe(result.dueBy);
          } else {
            expect(result.extensionNoticeBy).toBeNull();
          }
          if (result.acknowledgeBy !== null) {
            expect(result.acknowledgeBy > result.receivedOn && result.acknowledgeBy <= result.dueBy).toBe(
              true,
            );
            expect(isWorkingDay(result.acknowledgeBy, rule.calendar.holidays)).toBe(true);
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it('laws that roll over weekends and holidays → dueBy is always a working day', () => {
    const rolling = ['gdpr', 'uk-gdpr', 'cpa', 'tdpsa', 'fadp'];
    fc.assert(
      fc.property(
        instants,
        fc.constantFrom(...rolling),
        fc.constantFrom(...REQUEST_TYPES),
        (instant, law, type) => {
          const result = computeDeadline(
            { law, type, received: instant.toISOString() },
            defaultClockSettings,
          );
          expect(
            isWorkingDay(result.dueBy, lawRule(law as 'gdpr', defaultClockSettings).calendar.holidays),
          ).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('GDPR and UK GDPR one month → never more than one calendar month plus the roll (never +30 days overflow)', () => {
    fc.assert(
      fc.property(instants, fc.constantFrom('gdpr', 'uk-gdpr'), (instant, law) => {
        const result = computeDeadline(
          { law, type: 'access', received: instant.toISOString() },
          defaultClockSettings,
        );
        const [y, m, d] = result.receivedOn.split('-').map(Number) as [number, number, number];
        const nextMonth = new Date(Date.UTC(y, m, 1));
        const lastOfNext = new Date(
          Date.UTC(nextMonth.getUTCFullYear(), nextMonth.getUTCMonth() + 1, 0),
        ).getUTCDate();
        const unrolled = new Date(
          Date.UTC(nextMonth.getUTCFullYear(), nextMonth.getUTCMonth(), Math.min(d, lastOfNext)),
        )
          .toISOString()
          .slice(0, 10);
        expect(result.safeDueBy <= unrolled && unrolled <= result.dueBy).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
