import {
  addDays,
  addMonths,
  describeDayOff,
  minDate,
  moveBack,
  nthWorkingDayAfter,
  type PlainDate,
  rollForward,
  type WorkingCalendar,
  weekdayName,
} from './calendar.ts';
import { workingCalendar } from './holidays.ts';
import type { LawRule, Period, PeriodChain, RequestType, RollRule } from './rules.ts';

export interface ClockDates {
  acknowledgeBy: PlainDate | null;
  /** The statutory last day before any roll, after paused days. */
  lastDay: PlainDate;
  dueBy: PlainDate;
  safeDueBy: PlainDate;
  extensionNoticeBy: PlainDate | null;
  extendedDueBy: PlainDate | null;
  safeExtendedDueBy: PlainDate | null;
  explain: string[];
}

export interface ClockOptions {
  /** Days that do not count (stop-the-clock), added to every period end. */
  pausedDays?: number;
}

export function calendarFor(rule: LawRule): WorkingCalendar {
  return workingCalendar(rule.calendar.label, rule.calendar.holidays);
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export function describePeriod(period: Period): string {
  const unit = { months: 'month', days: 'day', business_days: 'business day' }[period.unit];
  return `${period.n} ${unit}${period.n === 1 ? '' : 's'}`;
}

function applyPeriod(
  from: PlainDate,
  period: Period,
  calendar: WorkingCalendar,
): { date: PlainDate; text: string } {
  if (period.unit === 'business_days') {
    const date = nthWorkingDayAfter(from, period.n, calendar);
    return { date, text: `the ${ordinal(period.n)} business day after ${from} is ${date}` };
  }
  const date = period.unit === 'months' ? addMonths(from, period.n) : addDays(from, period.n);
  const clamped = period.unit === 'months' && date.day < from.day ? ' (end-of-month clamp)' : '';
  return { date, text: `${describePeriod(period)} after ${from} is ${date}${clamped}` };
}

function applyChain(
  from: PlainDate,
  chain: PeriodChain,
  calendar: WorkingCalendar,
): { date: PlainDate; text: string } {
  let date = from;
  const texts: string[] = [];
  for (const period of chain) {
    const step = applyPeriod(date, period, calendar);
    date = step.date;
    texts.push(step.text);
  }
  return { date, text: texts.join(', then ') };
}

/** Turns an unrolled last day into the statutory (rolled) and safe (moved back) dates, with the reasons. */
function settle(last: PlainDate, roll: RollRule, calendar: WorkingCalendar, what: string) {
  const off = calendar.dayOff(last);
  const safe = moveBack(last, calendar);
  if (!off) return { due: last, safe, lines: [] as string[] };
  const lines: string[] = [];
  const isOff = `${last} is ${describeDayOff(last, off)}`;
  let due = last;
  if (roll.kind === 'none') {
    lines.push(`${isOff}: ${roll.why}; the ${what} stays ${last}`);
  } else {
    due = rollForward(last, calendar, roll.over);
    lines.push(
      due.equals(last)
        ? `${isOff}, which does not roll under ${roll.basis}: the ${what} stays ${last}`
        : `${isOff}: ${what} rolls to ${weekdayName(due)} ${due} (${roll.basis})`,
    );
  }
  lines.push(`safe ${what}: ${weekdayName(safe)} ${safe}, the last working day before ${last}`);
  return { due, safe, lines };
}

/** All clock dates for a law and request type when the period runs from `start` (a local date). */
export function computeClock(
  rule: LawRule,
  type: RequestType,
  start: PlainDate,
  calendar: WorkingCalendar,
  options: ClockOptions = {},
): ClockDates {
  const t = rule.types[type];
  const paused = options.pausedDays ?? 0;
  const explain = [`working days: ${rule.calendar.label}`];

  let acknowledgeBy: PlainDate | null = null;
  if (t.acknowledge) {
    const ack = applyPeriod(start, t.acknowledge.period, calendar);
    acknowledgeBy = ack.date;
    explain.push(
      `acknowledge within ${describePeriod(t.acknowledge.period)} (${t.acknowledge.basis}): ${ack.text}`,
    );
  }

  explain.push(`response period: ${describePeriod(t.respond.period)} (${t.respond.basis})`);
  const first = applyPeriod(start, t.respond.period, calendar);
  explain.push(first.text);
  const lastDay = addDays(first.date, paused);
  if (paused > 0) explain.push(`${paused} paused day(s) do not count: the last day moves to ${lastDay}`);
  const main = settle(lastDay, t.roll, calendar, 'due date');
  explain.push(...main.lines);

  let extendedDueBy: PlainDate | null = null;
  let safeExtendedDueBy: PlainDate | null = null;
  if (t.extension.kind === 'none') {
    explain.push(`no extension: ${t.extension.why}`);
  } else {
    explain.push(`extension: notice by ${main.due} (${t.extension.basis})`);
    const candidates = t.extension.candidates.map((chain) => applyChain(start, chain, calendar));
    let extLast: PlainDate | null = null;
    for (const c of candidates) {
      explain.push(c.text);
      extLast = extLast ? minDate(extLast, c.date) : c.date;
    }
    if (extLast) {
      if (candidates.length > 1) explain.push(`the earliest is used: ${extLast}`);
      extLast = addDays(extLast, paused);
      if (paused > 0) explain.push(`${paused} paused day(s) move the extended last day to ${extLast}`);
      const ext = settle(extLast, t.roll, calendar, 'extended due date');
      explain.push(...ext.lines);
      extendedDueBy = ext.due;
      safeExtendedDueBy = ext.safe;
    }
  }

  explain.push(
    `identity verification: ${t.verification.needed ? 'needed' : 'not needed'} (${t.verification.basis})`,
  );
  explain.push(...t.notes);

  return {
    acknowledgeBy,
    lastDay,
    dueBy: main.due,
    safeDueBy: main.safe,
    extensionNoticeBy: extendedDueBy ? main.due : null,
    extendedDueBy,
    safeExtendedDueBy,
    explain,
  };
}
