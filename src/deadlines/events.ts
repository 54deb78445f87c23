import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { compareDates, daysBetween, localDateOf, type PlainDate } from './calendar.ts';
import { type ClockDates, calendarFor, computeClock } from './clock.ts';
import { checkExtension } from './extension.ts';
import { checkSettings, instantSchema, lawSchema, parseField, timeZoneSchema, typeSchema } from './inputs.ts';
import { lawRule } from './laws.ts';
import type { LawId, RequestType } from './rules.ts';
import type { ClockSettings } from './settings.ts';

export {
  checkExtension,
  type ExtensionCheck,
  type ExtensionClock,
  type ExtensionRefusalCode,
} from './extension.ts';

export const CLOCK_EVENT_KINDS = [
  'received',
  'acknowledged',
  'verified',
  'id_received',
  'paused',
  'resumed',
  'extended',
  'closed',
] as const;
export type ClockEventKind = (typeof CLOCK_EVENT_KINDS)[number];

export interface ClockEvent {
  kind: ClockEventKind;
  /** ISO 8601 instant. */
  at: string;
}

/**
 * A request's clock replayed from its events. Once `extended`, `dueBy` and `safeDueBy` are the
 * extended dates (the queue sorts and alerts on them); `extensionNoticeBy` keeps the first-period date.
 */
export interface ClockState {
  law: LawId;
  type: RequestType;
  timeZone: string;
  receivedOn: string;
  /** Local date the period runs from: the receipt date, or the ID receipt date where the law says so. */
  startOn: string;
  acknowledgeBy: string | null;
  dueBy: string;
  safeDueBy: string;
  extensionNoticeBy: string | null;
  extendedDueBy: string | null;
  extended: boolean;
  paused: boolean;
  pausedDays: number;
  explain: string[];
}

const eventsSchema = z
  .array(z.object({ kind: z.enum(CLOCK_EVENT_KINDS), at: instantSchema }))
  .refine((events) => events.some((e) => e.kind === 'received'), 'a received event is required');

const str = (d: PlainDate | null): string | null => d?.toString() ?? null;

function lateness(on: PlainDate, due: PlainDate): string {
  const late = daysBetween(due, on);
  return late > 0 ? `${late} day(s) after ${due}` : `on time, due by ${due}`;
}

/** Replays a request's clock events under the law's rules; pure, so the queue and tests can share it. */
export function clockFromEvents(
  law: string,
  type: string,
  events: readonly ClockEvent[],
  settings: ClockSettings,
  options: { tz?: string } = {},
): ClockState {
  const lawId = parseField(lawSchema, law, 'law');
  const requestType = parseField(typeSchema, type, 'type');
  const parsed = parseField(eventsSchema, events, 'events');
  const tz = options.tz === undefined ? undefined : parseField(timeZoneSchema, options.tz, 'tz');
  const rule = lawRule(lawId, checkSettings(settings));
  const timeZone = tz ?? rule.timeZone;
  const calendar = calendarFor(rule);

  const ordered = parsed
    .map((e, i) => ({ ...e, i, on: localDateOf(e.at, timeZone) }))
    .sort((a, b) => Temporal.Instant.compare(a.at, b.at) || a.i - b.i);
  const receivedIndex = ordered.findIndex((e) => e.kind === 'received');
  const received = ordered[receivedIndex]!;
  const receivedOn = received.on;
  const header = [`received ${receivedOn} (${timeZone})`];
  const lines: string[] = [];
  if (receivedIndex > 0) lines.push(`${receivedIndex} event(s) before receipt ignored`);
  const later = ordered.slice(receivedIndex + 1);

  let start = receivedOn;
  const idReceipt = later.find((e) => e.kind === 'id_received');
  if (idReceipt && rule.clockStart.from === 'id_received') {
    if (compareDates(idReceipt.on, receivedOn) > 0) start = idReceipt.on;
    header.push(`ID received ${idReceipt.on}: the clock runs from ${start} (${rule.clockStart.basis})`);
  } else if (idReceipt) {
    header.push(`ID received ${idReceipt.on}: the clock still runs from receipt (${rule.clockStart.basis})`);
  }

  let pausedDays = 0;
  let pausedOn: PlainDate | null = null;
  let extended = false;
  let idSeen = false;
  const clock = (): ClockDates => computeClock(rule, requestType, start, calendar, { pausedDays });
  const effective = (c: ClockDates) => (extended && c.extendedDueBy ? c.extendedDueBy : c.dueBy);

  for (const [n, e] of later.entries()) {
    const c = clock();
    if (e.kind === 'received') lines.push(`another received event on ${e.on} ignored: the first one counts`);
    else if (e.kind === 'id_received') {
      if (idSeen) lines.push(`a later ID receipt on ${e.on} ignored: the first one counts (conservative)`);
      idSeen = true;
    } else if (e.kind === 'verified') lines.push(`identity verified ${e.on}`);
    else if (e.kind === 'acknowledged') {
      lines.push(`acknowledged ${e.on}${c.acknowledgeBy ? ` (${lateness(e.on, c.acknowledgeBy)})` : ''}`);
    } else if (e.kind === 'paused') {
      if (rule.pause.kind === 'none')
        lines.push(`information requested ${e.on}: the clock does not stop (${rule.pause.why})`);
      else if (pausedOn) lines.push(`information requested again ${e.on}: the clock is already stopped`);
      else if (compareDates(e.on, start) < 0)
        lines.push(`information requested ${e.on}, before the clock started: ignored`);
      else if (compareDates(e.on, effective(c)) > 0) {
        lines.push(`information requested ${e.on}, after the due date: the clock does not stop`);
      } else {
        pausedOn = e.on;
        lines.push(`clock stopped ${e.on} while waiting for information (${rule.pause.basis})`);
      }
    } else if (e.kind === 'resumed') {
      if (pausedOn) {
        const stopped = Math.max(0, daysBetween(pausedOn, e.on));
        pausedDays += stopped;
        lines.push(
          `information received ${e.on}: ${stopped} day(s) from ${pausedOn} do not count; the day it arrived counts again (conservative)`,
        );
        pausedOn = null;
      } else lines.push(`resumed ${e.on}: nothing to shift, the clock was not stopped`);
    } else if (e.kind === 'extended') {
      const check = checkExtension(
        {
          timeZone,
          extensionNoticeBy: str(c.extensionNoticeBy),
          extendedDueBy: str(c.extendedDueBy),
          extended,
        },
        e.at.toString(),
      );
      if (check.ok) {
        extended = true;
        lines.push(`extended ${e.on}: due by ${check.extendedDueBy}`);
      } else lines.push(`extension on ${e.on} refused (${check.code}): ${check.message}`);
    } else if (e.kind === 'closed') {
      lines.push(`closed ${e.on} (${lateness(e.on, effective(c))})`);
      const rest = later.length - n - 1;
      if (rest > 0) lines.push(`${rest} event(s) after closing ignored`);
      break;
    }
  }
  if (pausedOn) lines.push(`clock stopped since ${pausedOn}: the dates move when the information arrives`);

  const final = clock();
  return {
    law: lawId,
    type: requestType,
    timeZone,
    receivedOn: receivedOn.toString(),
    startOn: start.toString(),
    acknowledgeBy: str(final.acknowledgeBy),
    dueBy: effective(final).toString(),
    safeDueBy: (extended && final.safeExtendedDueBy ? final.safeExtendedDueBy : final.safeDueBy).toString(),
    extensionNoticeBy: str(final.extensionNoticeBy),
    extendedDueBy: str(final.extendedDueBy),
    extended,
    paused: pausedOn !== null,
    pausedDays,
    explain: [...header, ...final.explain, ...lines],
  };
}
