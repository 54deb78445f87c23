import { compareDates, localDateOf, parseDate } from './calendar.ts';
import { instantSchema, parseField } from './inputs.ts';

export type ExtensionRefusalCode = 'EXTENSION_NOT_ALLOWED' | 'EXTENSION_TOO_LATE' | 'ALREADY_EXTENDED';
export type ExtensionCheck =
  | { ok: true; extendedDueBy: string }
  | { ok: false; code: ExtensionRefusalCode; message: string };

/** The part of a clock (ClockState fits) that decides whether an extension may still be applied. */
export interface ExtensionClock {
  timeZone: string;
  extensionNoticeBy: string | null;
  extendedDueBy: string | null;
  extended: boolean;
}

/** Whether an extension decided at `at` may be applied to this clock. */
export function checkExtension(clock: ExtensionClock, at: string): ExtensionCheck {
  const instant = parseField(instantSchema, at, 'at');
  if (clock.extensionNoticeBy === null || clock.extendedDueBy === null) {
    return {
      ok: false,
      code: 'EXTENSION_NOT_ALLOWED',
      message: 'this law allows no extension for this request type',
    };
  }
  if (clock.extended) {
    return { ok: false, code: 'ALREADY_EXTENDED', message: 'the deadline has already been extended once' };
  }
  const on = localDateOf(instant, clock.timeZone);
  if (compareDates(on, parseDate(clock.extensionNoticeBy)) > 0) {
    return {
      ok: false,
      code: 'EXTENSION_TOO_LATE',
      message: `the extension notice had to be sent by ${clock.extensionNoticeBy} (${clock.timeZone}); it is ${on}`,
    };
  }
  return { ok: true, extendedDueBy: clock.extendedDueBy };
}
