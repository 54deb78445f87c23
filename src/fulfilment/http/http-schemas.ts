import { z } from 'zod';
import { firstNulPath, nulMessage } from '../../http/no-nul.ts';
import { normaliseReference } from '../../requests/reference.ts';

// What an http source may send us: its answer to a task (200/202) and its signed callback later.
// Both are hostile until parsed; unknown top-level keys are dropped, never stored.

/** Largest receipt we keep, as JSON text: it is stored on the task and summarised, not archived. */
export const MAX_RECEIPT_CHARS = 16_384;
/** Largest answer or callback body we read. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Collection names become file names in the export bundle: plain words only. */
const collectionName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be a plain name (letters, digits, _ . -; at most 63)');

const externalReceipt = z
  .looseObject({})
  .refine((receipt) => JSON.stringify(receipt).length <= MAX_RECEIPT_CHARS, {
    message: `must be at most ${MAX_RECEIPT_CHARS} characters of JSON`,
  });

const records = z.record(
  collectionName,
  z.array(z.record(z.string(), z.unknown()), { error: 'must be a list of objects' }),
);

export type ExternalReceipt = z.infer<typeof externalReceipt>;
export type SourceRecords = z.infer<typeof records>;

// PostgreSQL's text and jsonb cannot hold U+0000: a source sending one gets a clear refusal naming
// where it is, not a failed insert.
const refuseNul = (value: unknown, ctx: z.RefinementCtx) => {
  const path = firstNulPath(value);
  if (path) ctx.addIssue({ code: 'custom', path, message: nulMessage });
};

/** A 200 answer to a task: what the source did (`receipt`) and, for access, what it holds (`records`). */
export const sourceAnswer = z
  .object({
    receipt: externalReceipt.optional(),
    records: records.optional(),
  })
  .superRefine(refuseNul);
export type SourceAnswer = z.infer<typeof sourceAnswer>;

const reference = z
  .string()
  .max(40)
  .refine((value) => normaliseReference(value) !== undefined, 'must be a request reference like RD-7K3M-Q9XP')
  .transform((value) => normaliseReference(value)!);

/** POST /api/v1/callbacks/:source — a source settling a task it answered 202 to. */
export const callbackBody = z
  .object({
    reference,
    action: z.enum(['access', 'erase', 'rectify', 'opt_out']),
    status: z.enum(['done', 'failed']),
    receipt: externalReceipt.optional(),
    records: records.optional(),
    error: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.records && (body.action !== 'access' || body.status !== 'done'))
      ctx.addIssue({
        code: 'custom',
        path: ['records'],
        message: 'only a done access callback carries records',
      });
    refuseNul(body, ctx);
  });
export type CallbackBody = z.infer<typeof callbackBody>;
