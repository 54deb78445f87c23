import { z } from 'zod';
import { LAW_IDS } from '../deadlines/rules.ts';
import { AppError } from '../http/app-error.ts';

const year = z
  .string()
  .regex(/^\d{4}$/, 'must be a year such as 2026')
  .transform(Number)
  .pipe(z.number().min(2000, 'must be 2000 or later').max(2100, 'must be 2100 or earlier'));

const law = z.enum(['all', ...LAW_IDS], { error: `must be all or one of ${LAW_IDS.join(', ')}` });

/** ?year=&law= of the metrics (API, page, CSV); a missing year is the current one. */
export const metricsQuery = z.strictObject({ year: year.optional(), law: law.optional() });

export const metricsFormats = ['json', 'csv', 'html'] as const;
export type MetricsFormat = (typeof metricsFormats)[number];

/** `report metrics` options: the same rules, plus the output format. */
export const metricsOptions = z.strictObject({
  year: year.optional(),
  law: law.optional(),
  format: z.enum(metricsFormats, { error: 'must be json, csv or html' }).default('json'),
});

export type MetricsQuery = { year?: number | undefined; law?: string | undefined };

/** `all` and no law mean the same: every law. */
export const lawFilter = (law: string | undefined) => (law === 'all' ? undefined : law);

/** Parses a query string (empty values count as absent); a bad value is a 400 naming the parameter. */
export function parseMetricsQuery(raw: unknown): MetricsQuery {
  const entries = Object.entries((raw ?? {}) as Record<string, unknown>).filter(([, v]) => v !== '');
  const parsed = metricsQuery.safeParse(Object.fromEntries(entries));
  if (parsed.success) return { year: parsed.data.year, law: lawFilter(parsed.data.law) };
  const errors = parsed.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: key, message: 'is not a parameter of the report' }))
      : [{ path: String(i.path[0] ?? '(query)'), message: i.message }],
  );
  throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}
