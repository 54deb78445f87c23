import { z } from 'zod';
import { isValidTimeZone } from './calendar.ts';
import { isKnownHolidaySource } from './holidays.ts';

export const CCPA_BUSINESS_DAY_CALENDARS = ['weekdays', 'us-federal', 'us-ca'] as const;
export type CcpaBusinessDays = (typeof CCPA_BUSINESS_DAY_CALENDARS)[number];

/** Organisation settings the clock depends on; the app's config supplies them from env. */
export interface ClockSettings {
  /** ISO 3166-1 country whose public holidays are GDPR non-working days (ORG_COUNTRY). */
  orgCountry: string;
  /** IANA zone of the controller's establishment, used for GDPR (ORG_TIMEZONE). */
  orgTimeZone: string;
  /** Which calendar CCPA "business days" use; the law does not define them. */
  ccpaBusinessDays: CcpaBusinessDays;
  /** CalOPPA sets no deadline: the days promised in the privacy policy. */
  caloppaResponseDays: number;
}

export const defaultClockSettings: Readonly<ClockSettings> = Object.freeze({
  orgCountry: 'PL',
  orgTimeZone: 'Europe/Warsaw',
  ccpaBusinessDays: 'weekdays',
  caloppaResponseDays: 30,
});

export const clockSettingsSchema = z.object({
  orgCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as PL')
    .refine((country) => isKnownHolidaySource({ country }), 'no public-holiday calendar for this country'),
  orgTimeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Warsaw'),
  ccpaBusinessDays: z.enum(CCPA_BUSINESS_DAY_CALENDARS),
  // Below 3 days a weekend can push the safe due date back to (or before) the day of receipt.
  caloppaResponseDays: z.number().int().min(3, 'must be at least 3 days').max(366),
});
