import { z } from 'zod';
import { LAW_IDS, REQUEST_TYPES } from '../deadlines/rules.ts';
import type { OfferedRegion, Region } from './regions.ts';

// Control characters have no business in a name or an address; details may keep line breaks and tabs.
const noControl = /^\P{Cc}*$/u;
const noControlExceptBreaks = /^(?:\P{Cc}|[\t\n\r])*$/u;

const line = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .regex(noControl, 'must not contain control characters');

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be a valid email address'))
  .transform((e) => e.toLowerCase());

export const correctionSchema = z.strictObject({
  field: line(100).min(1, 'say what is wrong'),
  value: line(1000).min(1, 'say what it should be'),
});

export const requestTypeSchema = z.enum(REQUEST_TYPES, {
  error: `must be one of ${REQUEST_TYPES.join(', ')}`,
});
export const lawSchema = z.enum(LAW_IDS, { error: `must be one of ${LAW_IDS.join(', ')}` });

const base = {
  type: requestTypeSchema,
  email: emailSchema,
  name: line(200).optional(),
  details: z
    .string()
    .trim()
    .max(5000, 'must be at most 5000 characters')
    .regex(noControlExceptBreaks, 'must not contain control characters')
    .optional(),
  corrections: z.array(correctionSchema).max(20, 'at most 20 corrections').optional(),
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as pl or pl-PL')
    .optional(),
};

const rectifyNeedsCorrections = <T extends { type: string; corrections?: unknown[] | undefined }>(
  value: T,
  ctx: z.RefinementCtx,
) => {
  if (value.type === 'rectify' && !value.corrections?.length) {
    ctx.addIssue({ code: 'custom', path: ['corrections'], message: 'required for a rectify request' });
  }
};

/** POST /api/v1/requests. Unknown fields are rejected: a typo must not be silently dropped. */
export const createRequestBody = z
  .strictObject({ ...base, law: lawSchema })
  .superRefine(rectifyNeedsCorrections);
export type CreateRequestBody = z.infer<typeof createRequestBody>;

// The HTML form posts flat fields; repeated correction fields arrive as arrays.
const stringOrList = z.union([z.string(), z.array(z.string())]).optional();

/** The form's fields; `region` must be one the form offers (FORM_REGIONS) or `other`. */
export const requestFormBody = (offered: readonly OfferedRegion[]) =>
  z
    .object({
      _csrf: z.string().optional(),
      website: z.string().optional(), // honeypot: people never see it, bots fill it
      type: requestTypeSchema,
      region: z.enum(['other', ...offered] satisfies [Region, ...Region[]], {
        error: 'choose where you live',
      }),
      email: emailSchema,
      name: base.name,
      details: base.details,
      correctionField: stringOrList,
      correctionValue: stringOrList,
    })
    .transform(({ correctionField, correctionValue, ...rest }) => {
      const fields = [correctionField ?? []].flat();
      const values = [correctionValue ?? []].flat();
      const corrections = fields
        .map((field, i) => ({ field: field.trim(), value: (values[i] ?? '').trim() }))
        .filter((c) => c.field || c.value);
      return { ...rest, corrections };
    });
export type RequestFormBody = z.infer<ReturnType<typeof requestFormBody>>;
