import type { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { isValidTimeZone, parseInstant } from './calendar.ts';
import { DeadlineInputError } from './errors.ts';
import { LAW_IDS, REQUEST_TYPES } from './rules.ts';
import { type ClockSettings, clockSettingsSchema } from './settings.ts';

// Holiday data and the contract only make sense for plausible request dates; this also keeps
// date-holidays away from far-off years it was never written for.
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

// Messages follow the field name (the CLI prints "--law: <message>"), so they do not repeat it.
const oneOf = (what: string, values: readonly string[]) => (issue: { input: unknown }) =>
  issue.input === undefined
    ? `required (one of: ${values.join(', ')})`
    : `unknown ${what} "${String(issue.input)}" (expected one of: ${values.join(', ')})`;

export const lawSchema = z.enum(LAW_IDS, { error: oneOf('law', LAW_IDS) });

export const typeSchema = z.enum(REQUEST_TYPES, { error: oneOf('type', REQUEST_TYPES) });

export const instantSchema = z
  .string({
    error: (issue) => (issue.input === undefined ? 'required (an ISO 8601 instant)' : 'must be a string'),
  })
  .transform((value, ctx): Temporal.Instant => {
    const instant = parseInstant(value);
    if (!instant) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not an ISO 8601 instant with a Z or offset (e.g. 2026-01-09T18:00:00Z)`,
      });
      return z.NEVER;
    }
    const year = instant.toZonedDateTimeISO('UTC').year;
    if (year < MIN_YEAR || year > MAX_YEAR) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is outside the supported years ${MIN_YEAR}–${MAX_YEAR}`,
      });
      return z.NEVER;
    }
    return instant;
  });

export const timeZoneSchema = z.string().refine(isValidTimeZone, {
  error: (issue) => `"${String(issue.input)}" is not an IANA time zone (e.g. Europe/London)`,
});

/** Parses `value` or throws a DeadlineInputError naming `field` (plus the sub-path, if any). */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? `${field}.${issue.path.join('.')}` : field;
  throw new DeadlineInputError(path, issue?.message ?? 'is invalid');
}

const checkedSettings = new WeakSet<ClockSettings>();

/** Settings come from env through the app's config; a bad value must fail loudly, not skip holidays. */
export function checkSettings(settings: ClockSettings): ClockSettings {
  if (!checkedSettings.has(settings)) {
    parseField(clockSettingsSchema, settings, 'settings');
    checkedSettings.add(settings);
  }
  return settings;
}
