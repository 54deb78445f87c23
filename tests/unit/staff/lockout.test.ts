import { describe, expect, it } from 'vitest';
import { lockoutUntil } from '../../../src/staff/staff-service.ts';

const now = new Date('2026-03-02T10:00:00Z');
const minutesAfter = (failures: number) => {
  const until = lockoutUntil(failures, now);
  return until === null ? null : (until.getTime() - now.getTime()) / 60_000;
};

describe('lockoutUntil (backoff after failed sign-ins)', () => {
  it.each([0, 1, 2, 3, 4])('%i failures → not locked', (failures) => {
    expect(lockoutUntil(failures, now)).toBeNull();
  });

  it.each([
    [5, 15],
    [6, 30],
    [7, 60],
    [8, 120],
    [9, 240],
    [10, 480],
    [11, 960],
    [12, 1440],
    [13, 1440],
    [40, 1440],
  ])('%i failures → locked for %i minutes (doubling, capped at a day)', (failures, minutes) => {
    expect(minutesAfter(failures)).toBe(minutes);
  });

  it('a huge failure count → still capped at 24 hours, a valid date', () => {
    const until = lockoutUntil(10_000, now);
    expect(until?.getTime()).toBe(now.getTime() + 24 * 3600_000);
  });

  it('the lock → counted from the given clock, not the wall clock', () => {
    const past = new Date('2001-01-01T00:00:00Z');
    expect(lockoutUntil(5, past)?.toISOString()).toBe('2001-01-01T00:15:00.000Z');
  });
});
