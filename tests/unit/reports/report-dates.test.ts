import { describe, expect, it } from 'vitest';
import { dashboardDates, percent, yearBounds, yearIn } from '../../../src/reports/report-dates.ts';

describe('report dates', () => {
  it('yearBounds in Los Angeles → local midnights of 1 January, as UTC instants (PST is UTC−8)', () => {
    const { from, to } = yearBounds(2026, 'America/Los_Angeles');
    expect(from.toISOString()).toBe('2026-01-01T08:00:00.000Z');
    expect(to.toISOString()).toBe('2027-01-01T08:00:00.000Z');
  });

  it('yearBounds in Warsaw → 1 January 00:00 CET is 31 December 23:00 UTC', () => {
    expect(yearBounds(2026, 'Europe/Warsaw').from.toISOString()).toBe('2025-12-31T23:00:00.000Z');
  });

  it('yearIn → the local year: 05:00 UTC on 1 January is still the old year in Los Angeles', () => {
    const at = new Date('2026-01-01T05:00:00Z');
    expect(yearIn(at, 'America/Los_Angeles')).toBe(2025);
    expect(yearIn(at, 'Europe/Warsaw')).toBe(2026);
  });

  it('dashboardDates on a Wednesday → this week Monday to Sunday, 12 Mondays ending with this one', () => {
    const d = dashboardDates(new Date('2026-03-18T19:00:00Z'), 'America/Los_Angeles', {
      weeks: 12,
      onTimeDays: 90,
    });
    expect(d).toMatchObject({ today: '2026-03-18', weekStart: '2026-03-16', weekEnd: '2026-03-22' });
    expect(d.weeks).toHaveLength(12);
    expect(d.weeks[0]).toBe('2025-12-29');
    expect(d.weeks.at(-1)).toBe('2026-03-16');
    expect(d.weeksFrom.toISOString()).toBe('2025-12-29T08:00:00.000Z');
    expect(d.onTimeFrom.toISOString()).toBe('2025-12-18T19:00:00.000Z');
  });

  it('dashboardDates late on Sunday evening in Los Angeles (Monday in UTC) → still the week that began six days before', () => {
    const d = dashboardDates(new Date('2026-03-23T05:30:00Z'), 'America/Los_Angeles', {
      weeks: 2,
      onTimeDays: 90,
    });
    expect(d).toMatchObject({ today: '2026-03-22', weekStart: '2026-03-16', weekEnd: '2026-03-22' });
    expect(d.weeks).toEqual(['2026-03-09', '2026-03-16']);
  });

  it('percent → one decimal; nothing closed → null rather than 0% or 100%', () => {
    expect(percent(3, 4)).toBe(75);
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(1, 8)).toBe(12.5);
    expect(percent(0, 0)).toBeNull();
  });
});
