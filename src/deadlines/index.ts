// Public surface of the legal clock; the rest of the app imports from here.
export {
  addDays,
  addMonths,
  isWorkingDay,
  moveBack,
  nthWorkingDayAfter,
  type PlainDate,
  rollForward,
  type WorkingCalendar,
} from './calendar.ts';
export { calendarFor, computeClock } from './clock.ts';
export { computeDeadline, type DeadlineInput, type DeadlineResult } from './compute.ts';
export { DEADLINE_INPUT_EXIT_CODE, registerDeadlineCommand } from './deadline-command.ts';
export { DeadlineInputError } from './errors.ts';
export {
  CLOCK_EVENT_KINDS,
  type ClockEvent,
  type ClockEventKind,
  type ClockState,
  clockFromEvents,
} from './events.ts';
export {
  checkExtension,
  type ExtensionCheck,
  type ExtensionClock,
  type ExtensionRefusalCode,
} from './extension.ts';
export { type HolidaySource, publicHolidays, workingCalendar } from './holidays.ts';
export { lawRule } from './laws.ts';
export {
  LAW_IDS,
  type LawId,
  type LawRule,
  REQUEST_TYPES,
  type RequestType,
  type TypeRule,
} from './rules.ts';
export {
  type CcpaBusinessDays,
  type ClockSettings,
  clockSettingsSchema,
  defaultClockSettings,
} from './settings.ts';
