import { localDateOf, toIsoInstant, utcDateOf } from './calendar.ts';
import { calendarFor, computeClock } from './clock.ts';
import { checkSettings, instantSchema, lawSchema, parseField, timeZoneSchema, typeSchema } from './inputs.ts';
import { lawRule } from './laws.ts';
import type { LawId, RequestType } from './rules.ts';
import { type ClockSettings, defaultClockSettings } from './settings.ts';

/** Raw, unvalidated input (a missing CLI option arrives as undefined and is reported as required). */
export interface DeadlineInput {
  law: string | undefined;
  type: string | undefined;
  /** ISO 8601 instant with Z or an offset. */
  received: string | undefined;
  /** IANA zone overriding the law's default. */
  tz?: string | undefined;
}

/** The legal clock contract (DESIGN.md): keys in this order, dates as local YYYY-MM-DD. */
export interface DeadlineResult {
  law: LawId;
  type: RequestType;
  receivedAt: string;
  receivedOn: string;
  timeZone: string;
  acknowledgeBy: string | null;
  dueBy: string;
  safeDueBy: string;
  extensionNoticeBy: string | null;
  extendedDueBy: string | null;
  explain: string[];
}

export function computeDeadline(
  input: DeadlineInput,
  settings: ClockSettings = defaultClockSettings,
): DeadlineResult {
  const law = parseField(lawSchema, input.law, 'law');
  const type = parseField(typeSchema, input.type, 'type');
  const received = parseField(instantSchema, input.received, 'received');
  const tzOverride = input.tz === undefined ? undefined : parseField(timeZoneSchema, input.tz, 'tz');
  const rule = lawRule(law, checkSettings(settings));
  const timeZone = tzOverride ?? rule.timeZone;
  const receivedOn = localDateOf(received, timeZone);
  const receivedAt = toIsoInstant(received);

  const explain = [`received ${receivedOn} (${timeZone})`];
  const utc = utcDateOf(received);
  if (!utc.equals(receivedOn)) explain.push(`${receivedAt} is ${utc} in UTC, but the local date counts`);
  explain.push(
    tzOverride
      ? `time zone from --tz (default for ${law}: ${rule.timeZone})`
      : `time zone: ${rule.timeZoneBasis}`,
  );
  explain.push('the day of receipt is not counted: day 1 is the next day');
  if (rule.clockStart.from !== 'received') {
    explain.push(`if ID is requested, the clock starts again when it arrives (${rule.clockStart.basis})`);
  }
  if (rule.pause.kind === 'stop_the_clock')
    explain.push(`a clarification request stops the clock (${rule.pause.basis})`);

  const clock = computeClock(rule, type, receivedOn, calendarFor(rule));
  explain.push(...clock.explain);

  return {
    law,
    type,
    receivedAt,
    receivedOn: receivedOn.toString(),
    timeZone,
    acknowledgeBy: clock.acknowledgeBy?.toString() ?? null,
    dueBy: clock.dueBy.toString(),
    safeDueBy: clock.safeDueBy.toString(),
    extensionNoticeBy: clock.extensionNoticeBy?.toString() ?? null,
    extendedDueBy: clock.extendedDueBy?.toString() ?? null,
    explain,
  };
}
