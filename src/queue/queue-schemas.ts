import { z } from 'zod';
import type { RequestRow } from '../db/schema.ts';
import { LAW_IDS, REQUEST_TYPES } from '../deadlines/rules.ts';
import { AppError } from '../http/app-error.ts';
import { normaliseReference } from '../requests/reference.ts';
import { emailSchema } from '../requests/requests-schemas.ts';
import { closedStatuses, type Status } from '../requests/transitions.ts';

export const allStatuses = [
  'unverified',
  'pending_review',
  'awaiting_subject',
  'approved',
  'processing',
  'failed',
  'completed',
  'denied',
  'cancelled',
  'expired',
] as const satisfies readonly RequestRow['status'][];
export const openStatuses: readonly Status[] = allStatuses.filter((s) => !closedStatuses.includes(s));

/** Keyset position: the last item's (safeDueBy, id), sent back as an opaque base64url string. */
export type Cursor = { safeDueBy: string | null; id: string };

const cursorShape = z.tuple([z.iso.date().nullable(), z.uuid()]);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.safeDueBy, cursor.id])).toString('base64url');
}

function decodeCursor(value: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return undefined;
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? { safeDueBy: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

// One value, a comma list, or the parameter repeated (?status=a&status=b).
const listOf = <T extends string>(values: readonly T[]) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      [v]
        .flat()
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values, { error: `must be one of ${values.join(', ')}` })).max(20));

const statusList = listOf([...allStatuses, 'open', 'all'] as const);

/** q: a reference (any case, dashes optional) or an email address (exact, case-insensitive). */
const search = z
  .string()
  .trim()
  .max(254)
  .transform((value, ctx) => {
    const reference = normaliseReference(value);
    if (reference) return { reference };
    const email = emailSchema.safeParse(value);
    if (email.success) return { email: email.data };
    ctx.addIssue({ code: 'custom', message: 'must be a reference (RD-XXXX-XXXX) or an email address' });
    return z.NEVER;
  });

export const queueQuery = z
  .strictObject({
    status: statusList.optional(),
    type: listOf(REQUEST_TYPES).optional(),
    law: listOf(LAW_IDS).optional(),
    assignee: z.union([z.literal('me'), z.literal('none'), z.uuid()], {
      error: 'must be me, none or a staff id',
    }),
    overdue: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
    q: search,
    limit: z
      .string()
      .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
      .transform(Number)
      .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100')),
    cursor: z.string().transform((value, ctx) => {
      const cursor = decodeCursor(value);
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
      return cursor ?? z.NEVER;
    }),
  })
  .partial();

export type QueueQuery = z.infer<typeof queueQuery>;

/**
 * Parses the query string of the queue (API and page). Empty values count as absent (a GET form
 * sends every field); a bad value is a 400 naming the parameter, e.g. `limit: must be at most 100`.
 */
export function parseQueueQuery(raw: unknown): QueueQuery {
  const entries = Object.entries((raw ?? {}) as Record<string, unknown>).filter(([, v]) => v !== '');
  const parsed = queueQuery.safeParse(Object.fromEntries(entries));
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: key, message: 'is not a parameter of the queue' }))
      : [{ path: String(i.path[0] ?? '(query)'), message: i.message }],
  );
  throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

/** The search as typed back into the form (normalised). */
export const searchText = (q: NonNullable<QueueQuery['q']>): string => q.reference ?? q.email ?? '';

/** The filters a form carried back (its hidden `filters` field); unparseable ones mean the default queue. */
export function queueQueryFrom(filters: string | undefined): QueueQuery {
  try {
    return parseQueueQuery(Object.fromEntries(new URLSearchParams(filters ?? '')));
  } catch {
    return {};
  }
}

/** The query back as URL parameters (filters of the page's links), without the cursor. */
export function queueSearchParams(query: QueueQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status.join(','));
  if (query.type) params.set('type', query.type.join(','));
  if (query.law) params.set('law', query.law.join(','));
  if (query.assignee) params.set('assignee', query.assignee);
  if (query.overdue !== undefined) params.set('overdue', String(query.overdue));
  if (query.q) params.set('q', searchText(query.q));
  if (query.limit) params.set('limit', String(query.limit));
  return params;
}

/** The bulk form of the queue page: each checkbox carries `REFERENCE@VERSION`. */
export const bulkForm = z.object({
  _csrf: z.string().optional(),
  action: z.enum(['assign-to-me', 'approve'], { error: 'choose assign to me or approve' }),
  selected: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => [v ?? []].flat())
    .pipe(
      z
        .array(
          z
            .string()
            .regex(/^RD-[A-Z0-9]{4}-[A-Z0-9]{4}@\d{1,9}$/, 'is not a request')
            .transform((s) => {
              const [reference = '', version = ''] = s.split('@');
              return { reference, version: Number(version) };
            }),
        )
        .max(100, 'select at most 100 requests'),
    ),
  filters: z.string().max(2000).optional(),
});
export type BulkForm = z.infer<typeof bulkForm>;
export type BulkAction = BulkForm['action'];
