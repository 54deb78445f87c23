import { Temporal } from 'temporal-polyfill';

const dayMs = 24 * 3600 * 1000;

const startOfDay = (date: Temporal.PlainDate, timeZone: string): Date =>
  new Date(date.toZonedDateTime({ timeZone }).epochMilliseconds);

const localDate = (at: Date, timeZone: string): Temporal.PlainDate =>
  Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDate();

/** The calendar year of `at` in the organisation's time zone. */
export function yearIn(at: Date, timeZone: string): number {
  return localDate(at, timeZone).year;
}

/**
 * A calendar year as instants: [1 January 00:00, next 1 January 00:00) in `timeZone`. Computed here,
 * not in SQL, so the range condition is a plain comparison on received_at.
 */
export function yearBounds(year: number, timeZone: string): { from: Date; to: Date } {
  return {
    from: startOfDay(Temporal.PlainDate.from({ year, month: 1, day: 1 }), timeZone),
    to: startOfDay(Temporal.PlainDate.from({ year: year + 1, month: 1, day: 1 }), timeZone),
  };
}

export type DashboardDates = {
  /** Today's local date in the organisation's time zone. */
  today: string;
  /** This week, Monday to Sunday (ISO weeks), local dates. */
  weekStart: string;
  weekEnd: string;
  /** The on-time window: the last `onTimeDays` days up to now. */
  onTimeFrom: Date;
  /** Mondays of the last `weeks` weeks, oldest first, the current week last. */
  weeks: string[];
  /** Local midnight of the first of those Mondays. */
  weeksFrom: Date;
};

export function dashboardDates(
  now: Date,
  timeZone: string,
  options: { weeks: number; onTimeDays: number },
): DashboardDates {
  const today = localDate(now, timeZone);
  const monday = today.subtract({ days: today.dayOfWeek - 1 });
  const first = monday.subtract({ weeks: options.weeks - 1 });
  const weeks = Array.from({ length: options.weeks }, (_, i) => first.add({ weeks: i }).toString());
  return {
    today: today.toString(),
    weekStart: monday.toString(),
    weekEnd: monday.add({ days: 6 }).toString(),
    onTimeFrom: new Date(now.getTime() - options.onTimeDays * dayMs),
    weeks,
    weeksFrom: startOfDay(first, timeZone),
  };
}

/** A share as a percentage with one decimal, or null when there is nothing to divide. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}
