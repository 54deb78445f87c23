import { Temporal } from 'temporal-polyfill';

export type PlainDate = Temporal.PlainDate;

export type DayOffKind = 'saturday' | 'sunday' | 'holiday';

export interface DayOff {
  kind: DayOffKind;
  /** Holiday name, for explain lines. */
  name?: string;
}

/** A working-day calendar: which local dates are not working days, and why. */
export interface WorkingCalendar {
  label: string;
  dayOff(date: PlainDate): DayOff | null;
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export function weekdayName(date: PlainDate): string {
  return WEEKDAYS[date.dayOfWeek - 1] ?? '';
}

export function parseDate(iso: string): PlainDate {
  return Temporal.PlainDate.from(iso);
}

export function addDays(date: PlainDate, days: number): PlainDate {
  return date.add({ days });
}

/** Temporal clamps to the month's last day (31 Jan + 1 month = 28/29 Feb), which is the Reg. 1182/71 rule. */
export function addMonths(date: PlainDate, months: number): PlainDate {
  return date.add({ months }, { overflow: 'constrain' });
}

export function compareDates(a: PlainDate, b: PlainDate): number {
  return Temporal.PlainDate.compare(a, b);
}

export function minDate(a: PlainDate, b: PlainDate): PlainDate {
  return compareDates(a, b) <= 0 ? a : b;
}

/** Whole calendar days from a to b (negative when b is earlier). */
export function daysBetween(a: PlainDate, b: PlainDate): number {
  return a.until(b, { largestUnit: 'days' }).days;
}

export function weekendDayOff(date: PlainDate): DayOff | null {
  if (date.dayOfWeek === 6) return { kind: 'saturday' };
  if (date.dayOfWeek === 7) return { kind: 'sunday' };
  return null;
}

export function isWorkingDay(date: PlainDate, calendar: WorkingCalendar): boolean {
  return calendar.dayOff(date) === null;
}

/** The n-th working day after `date`; a receipt on a day off counts like one on the preceding working day. */
export function nthWorkingDayAfter(date: PlainDate, n: number, calendar: WorkingCalendar): PlainDate {
  let current = date;
  let counted = 0;
  while (counted < n) {
    current = current.add({ days: 1 });
    if (isWorkingDay(current, calendar)) counted++;
  }
  return current;
}

/** Moves forward while the day is off for one of the `over` reasons (a law may roll over Sundays but not Saturdays). */
export function rollForward(
  date: PlainDate,
  calendar: WorkingCalendar,
  over: readonly DayOffKind[],
): PlainDate {
  let current = date;
  for (let off = calendar.dayOff(current); off && over.includes(off.kind); off = calendar.dayOff(current)) {
    current = current.add({ days: 1 });
  }
  return current;
}

export function moveBack(date: PlainDate, calendar: WorkingCalendar): PlainDate {
  let current = date;
  while (!isWorkingDay(current, calendar)) current = current.subtract({ days: 1 });
  return current;
}

export function describeDayOff(date: PlainDate, off: DayOff): string {
  return off.kind === 'holiday' ? `a public holiday (${off.name ?? 'holiday'})` : `a ${weekdayName(date)}`;
}

/** Offsets such as "+01:00" are valid Temporal zones but not IANA names; the contract asks for IANA. */
export function isValidTimeZone(tz: string): boolean {
  if (!/^[A-Za-z]/.test(tz)) return false;
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(tz);
    return true;
  } catch {
    return false;
  }
}

/** Parses an ISO instant; an offset or Z is required so the moment is unambiguous. */
export function parseInstant(iso: string): Temporal.Instant | null {
  try {
    return Temporal.Instant.from(iso);
  } catch {
    return null;
  }
}

export function localDateOf(instant: Temporal.Instant, tz: string): PlainDate {
  return instant.toZonedDateTimeISO(tz).toPlainDate();
}

export function utcDateOf(instant: Temporal.Instant): PlainDate {
  return instant.toZonedDateTimeISO('UTC').toPlainDate();
}

export function toIsoInstant(instant: Temporal.Instant): string {
  return new Date(instant.epochMilliseconds).toISOString();
}
