import type { DayOffKind } from './calendar.ts';
import type { HolidaySource } from './holidays.ts';
import type { CalendarRule, ExtensionRule, LawId, LawRule } from './rules.ts';
import type { ClockSettings } from './settings.ts';

// Building blocks shared by the rules table's entries (laws.ts assembles the table from laws-*.ts).

/** One law's entry: its rule for the organisation's clock settings. */
export type LawFactory = (settings: ClockSettings) => LawRule;

/** A part of the rules table: the entries for some laws, keyed by id. */
export type LawEntries<Id extends LawId> = Readonly<Record<Id, LawFactory>>;

export const WEEKENDS_AND_HOLIDAYS: readonly DayOffKind[] = ['saturday', 'sunday', 'holiday'];
export const SUNDAYS_AND_HOLIDAYS: readonly DayOffKind[] = ['sunday', 'holiday'];

export const calendar = (label: string, holidays: HolidaySource | null): CalendarRule => ({
  label,
  holidays,
});
export const noExtension = (why: string): ExtensionRule => ({ kind: 'none', why });
export const verified = (basis: string) => ({ needed: true, basis });
export const unverified = (basis: string) => ({ needed: false, basis });
