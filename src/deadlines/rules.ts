import type { DayOffKind } from './calendar.ts';
import type { HolidaySource } from './holidays.ts';

export const LAW_IDS = [
  'gdpr',
  'uk-gdpr',
  'ccpa',
  'caloppa',
  'vcdpa',
  'cpa',
  'ctdpa',
  'ucpa',
  'tdpsa',
  'ocpa',
  'mcdpa',
  'lgpd',
  'pipeda',
  'fadp',
] as const;
export type LawId = (typeof LAW_IDS)[number];

export const REQUEST_TYPES = ['access', 'rectify', 'erase', 'opt_out'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export type Period =
  | { unit: 'months'; n: number }
  | { unit: 'days'; n: number }
  | { unit: 'business_days'; n: number };

export const months = (n: number): Period => ({ unit: 'months', n });
export const days = (n: number): Period => ({ unit: 'days', n });
export const businessDays = (n: number): Period => ({ unit: 'business_days', n });

/** Each step is applied to the result of the previous one, starting at the start date. */
export type PeriodChain = readonly Period[];

export type RollRule =
  | { kind: 'none'; why: string }
  | { kind: 'next_working_day'; over: readonly DayOffKind[]; basis: string };

/** The extended last day is the earliest of the candidate chains, so an unsettled method never gives a later date. */
export type ExtensionRule =
  | { kind: 'none'; why: string }
  | { kind: 'extend'; candidates: readonly PeriodChain[]; basis: string };

export type PauseRule = { kind: 'none'; why: string } | { kind: 'stop_the_clock'; basis: string };

export interface ClockStartRule {
  /** `id_received`: the clock (re)starts on the local date requested identity information arrives. */
  from: 'received' | 'id_received';
  basis: string;
}

export interface TypeRule {
  respond: { period: Period; basis: string };
  acknowledge: { period: Period; basis: string } | null;
  roll: RollRule;
  extension: ExtensionRule;
  verification: { needed: boolean; basis: string };
  /** Conservative choices and caveats the DPO should read; copied into `explain`. */
  notes: readonly string[];
}

export interface CalendarRule {
  label: string;
  holidays: HolidaySource | null;
}

export interface LawRule {
  id: LawId;
  name: string;
  timeZone: string;
  timeZoneBasis: string;
  calendar: CalendarRule;
  clockStart: ClockStartRule;
  pause: PauseRule;
  types: Readonly<Record<RequestType, TypeRule>>;
  /**
   * Where a browser's opt-out preference signal (Global Privacy Control, `Sec-GPC: 1`) is itself a
   * valid request to opt out of sale/sharing (and targeted advertising): the basis, and the day
   * (YYYY-MM-DD, UTC) from which the law requires it when that came later than the law itself.
   * Absent: the signal has no such effect.
   */
  optOutSignal?: { basis: string; from?: string };
}
