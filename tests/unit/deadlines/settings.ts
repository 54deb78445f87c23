import { type ClockSettings, defaultClockSettings } from '../../../src/deadlines/settings.ts';

// Shared fixtures, not a test file: settings for a German controller (research TC1) and CCPA calendars.
export const german: ClockSettings = {
  ...defaultClockSettings,
  orgCountry: 'DE',
  orgTimeZone: 'Europe/Berlin',
};
export const withCcpa = (ccpaBusinessDays: ClockSettings['ccpaBusinessDays']): ClockSettings => ({
  ...defaultClockSettings,
  ccpaBusinessDays,
});
