import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  isValidTimeZone,
  localDateOf,
  moveBack,
  nthWorkingDayAfter,
  parseDate,
  rollForward,
} from '../../../src/deadlines/calendar.ts';
import { workingCalendar } from '../../../src/deadlines/holidays.ts';

const d = parseDate;
const weekdays = workingCalendar('Mon–Fri', null);
const england = workingCalendar('E&W', { country: 'GB', region: 'ENG' });
const canada = workingCalendar('CA', { country: 'CA' });

describe('addMonths', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2026-01-29', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2028-01-30', 1, '2028-02-29'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-12-31', 1, '2027-01-31'],
    ['2027-11-30', 3, '2028-02-29'],
    ['2026-11-30', 3, '2027-02-28'],
    ['2026-09-03', 1, '2026-10-03'],
  ])('%s plus %i month(s) → %s (same day, clamped to month end)', (from, n, expected) => {
    expect(addMonths(d(from), n).toString()).toBe(expected);
  });
});

describe('nthWorkingDayAfter', () => {
  it('10 business days after Friday 2026-01-09 on Mon–Fri → Friday 2026-01-23', () => {
    expect(nthWorkingDayAfter(d('2026-01-09'), 10, weekdays).toString()).toBe('2026-01-23');
  });

  it('receipt on a Sunday counts like the Friday before → 1st business day is Monday', () => {
    expect(nthWorkingDayAfter(d('2026-01-11'), 1, weekdays).toString()).toBe('2026-01-12');
  });

  it('skips a bank holiday → 1st working day after Friday 2026-04-03 in England is Tuesday 2026-04-07', () => {
    expect(nthWorkingDayAfter(d('2026-04-02'), 1, england).toString()).toBe('2026-04-07');
  });
});

describe('rollForward and moveBack', () => {
  it('Saturday rolls over the weekend → Monday', () => {
    expect(rollForward(d('2026-02-28'), weekdays, ['saturday', 'sunday', 'holiday']).toString()).toBe(
      '2026-03-02',
    );
  });

  it('Christmas and Boxing Day substitutes roll → the next working day', () => {
    expect(rollForward(d('2026-12-25'), england, ['saturday', 'sunday', 'holiday']).toString()).toBe(
      '2026-12-29',
    );
  });

  it('Saturday is kept where only Sundays and holidays roll (Canada)', () => {
    expect(rollForward(d('2026-07-04'), canada, ['sunday', 'holiday']).toString()).toBe('2026-07-04');
  });

  it('a holiday falling on a Saturday still rolls where holidays roll (Canada Day 2028 is a Saturday)', () => {
    expect(rollForward(d('2028-07-01'), canada, ['sunday', 'holiday']).toString()).toBe('2028-07-03');
  });

  it('a working day does not move', () => {
    expect(rollForward(d('2026-03-03'), weekdays, ['saturday', 'sunday', 'holiday']).toString()).toBe(
      '2026-03-03',
    );
    expect(moveBack(d('2026-03-03'), weekdays).toString()).toBe('2026-03-03');
  });

  it('moveBack from Easter Monday in England → the Thursday before Good Friday', () => {
    expect(moveBack(d('2026-04-06'), england).toString()).toBe('2026-04-02');
  });
});

describe('localDateOf', () => {
  const at = (iso: string, tz: string) => localDateOf(Temporal.Instant.from(iso), tz).toString();

  it('07:30Z on 2026-01-09 is still 2026-01-08 in Los Angeles', () => {
    expect(at('2026-01-09T07:30:00Z', 'America/Los_Angeles')).toBe('2026-01-08');
  });

  it('23:30Z on 2026-01-30 is already 2026-01-31 in Warsaw', () => {
    expect(at('2026-01-30T23:30:00Z', 'Europe/Warsaw')).toBe('2026-01-31');
  });

  it.each([
    ['2026-03-28T23:30:00Z', 'Europe/Warsaw', '2026-03-29'],
    ['2026-03-29T21:30:00Z', 'Europe/Warsaw', '2026-03-29'],
    ['2026-03-29T22:30:00Z', 'Europe/Warsaw', '2026-03-30'],
    ['2026-03-29T23:30:00Z', 'Europe/London', '2026-03-30'],
    ['2026-10-25T23:30:00Z', 'Europe/London', '2026-10-25'],
    ['2026-03-09T06:30:00Z', 'America/Los_Angeles', '2026-03-08'],
    ['2026-03-09T07:30:00Z', 'America/Los_Angeles', '2026-03-09'],
    ['2026-11-02T07:30:00Z', 'America/Los_Angeles', '2026-11-01'],
  ])('DST switch days: %s in %s → %s', (iso, tz, expected) => {
    expect(at(iso, tz)).toBe(expected);
  });
});

describe('isValidTimeZone', () => {
  it.each(['Europe/London', 'America/Los_Angeles', 'UTC'])('%s → valid', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
  });

  it.each(['Mars/Olympus', '+01:00', '', 'europe london'])('%j → invalid', (tz) => {
    expect(isValidTimeZone(tz)).toBe(false);
  });
});
