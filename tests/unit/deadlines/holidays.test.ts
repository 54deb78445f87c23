import { describe, expect, it } from 'vitest';
import { parseDate } from '../../../src/deadlines/calendar.ts';
import { isKnownHolidaySource, publicHolidays, workingCalendar } from '../../../src/deadlines/holidays.ts';

describe('publicHolidays', () => {
  it('England & Wales 2026 → bank holidays incl. the Boxing Day substitute, no observances', () => {
    const days = [...publicHolidays({ country: 'GB', region: 'ENG' }, 2026).keys()];
    expect(days).toEqual(expect.arrayContaining(['2026-04-03', '2026-04-06', '2026-05-04', '2026-12-28']));
    expect(days).not.toContain('2026-03-15'); // Mother's Day, an observance
  });

  it('US federal 2026 → Thanksgiving but not the day after (an observance there)', () => {
    const days = publicHolidays({ country: 'US' }, 2026);
    expect(days.has('2026-11-26')).toBe(true);
    expect(days.has('2026-11-27')).toBe(false);
  });

  it('US-CA 2026 → the day after Thanksgiving and César Chávez Day are public', () => {
    const days = publicHolidays({ country: 'US', region: 'CA' }, 2026);
    expect(days.has('2026-11-27')).toBe(true);
    expect(days.has('2026-03-31')).toBe(true);
  });

  it('same year and region twice → the cached map', () => {
    expect(publicHolidays({ country: 'PL' }, 2030)).toBe(publicHolidays({ country: 'PL' }, 2030));
  });

  it('unknown country → throws instead of silently having no holidays', () => {
    expect(() => publicHolidays({ country: 'XX' }, 2026)).toThrow(/unknown holiday calendar XX/);
    expect(isKnownHolidaySource({ country: 'XX' })).toBe(false);
    expect(isKnownHolidaySource({ country: 'US', region: 'ZZ' })).toBe(false);
    expect(isKnownHolidaySource({ country: 'GB', region: 'ENG' })).toBe(true);
  });
});

describe('workingCalendar', () => {
  const pl = workingCalendar('PL', { country: 'PL' });

  it('Polish Independence Day 2026 (a Wednesday) → a holiday with its name', () => {
    expect(pl.dayOff(parseDate('2026-11-11'))).toEqual({ kind: 'holiday', name: 'Independence Day' });
  });

  it('an ordinary Wednesday → a working day', () => {
    expect(pl.dayOff(parseDate('2026-11-18'))).toBeNull();
  });

  it('Saturday and Sunday → weekend days off', () => {
    expect(pl.dayOff(parseDate('2026-11-14'))).toEqual({ kind: 'saturday' });
    expect(pl.dayOff(parseDate('2026-11-15'))).toEqual({ kind: 'sunday' });
  });
});
