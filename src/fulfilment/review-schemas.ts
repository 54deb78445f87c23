import { z } from 'zod';
import { nulMessage, withoutNul } from '../http/no-nul.ts';

/** PUT …/corrections: staff accept (possibly with an edited value) or reject single corrections. */
export const correctionDecisionsBody = z.object({
  version: z.number({ error: 'required: the version of the request you saw' }).int().min(1),
  decisions: z
    .array(
      z
        .object({
          index: z.number().int().min(0).max(49),
          decision: z.enum(['accepted', 'rejected'], 'must be accepted or rejected'),
          value: z
            .string()
            .trim()
            .min(1, 'an edited value cannot be empty')
            .max(2000)
            .refine(withoutNul, nulMessage)
            .optional(),
        })
        .refine((d) => d.decision === 'accepted' || d.value === undefined, {
          message: 'only an accepted correction takes a value',
          path: ['value'],
        }),
    )
    .min(1, 'decide at least one correction')
    .max(50),
});
export type CorrectionDecisionsBody = z.infer<typeof correctionDecisionsBody>;
