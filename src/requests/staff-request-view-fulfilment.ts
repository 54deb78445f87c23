import { z } from 'zod';
import type { FulfilmentTaskRow, StoredCorrection } from '../db/schema.ts';
import type { EraseOutcome, FieldOutcome } from '../fulfilment/connector.ts';
import type { PlanOrProblem, RectificationReview } from '../fulfilment/review-service.ts';

// The fulfilment parts of /staff/requests/{reference} (staff-request-view.ts): the data source tasks with
// their receipts, and before approval the erasure dry run and the rectification diff.

/** A correction decision form that failed: which correction, the message per field and what was typed. */
export type FailedCorrection = {
  index: number;
  errors: Record<string, string>;
  values: Record<string, unknown>;
};

/** What the sources say before approval: the erasure dry run, or the rectification diff. */
export type PageReview = {
  erasure?: { sources: PlanOrProblem[] };
  rectification?: Omit<RectificationReview, 'reference'>;
};

const taskStatusWords: Record<FulfilmentTaskRow['status'], string> = {
  pending: 'Pending',
  running: 'Running',
  waiting: 'Waiting for the source’s callback',
  done: 'Done',
  failed: 'Failed',
};

const outcomeWords: Record<EraseOutcome, string> = {
  delete: 'Delete row',
  null: 'Set empty',
  hash: 'Replace with a keyed hash',
  redact: 'Replace with placeholder text, e.g. “[erased]”',
  retain: 'Keep',
};

// A stored receipt is our own JSON, but read it defensively: an odd one is shown raw, never a 500.
const count = z.number().int().nonnegative().optional();
const storedReceipt = z.object({
  collections: z
    .array(
      z.object({
        collection: z.string(),
        found: z.number().int().nonnegative(),
        deleted: count,
        masked: count,
        updated: count,
        retained: count,
      }),
    )
    .default([]),
  fields: z
    .array(
      z.object({
        collection: z.string(),
        field: z.string(),
        category: z.string().default(''),
        outcome: z.string(),
        rows: z.number().default(0),
        basis: z.string().optional(),
        period: z.string().optional(),
      }),
    )
    .default([]),
  external: z.record(z.string(), z.unknown()).optional(),
  summary: z.string().default(''),
});

/** "invoices.amount", or "requests (whole record)" for a collection-wide outcome. */
const fieldLabel = (f: Pick<FieldOutcome, 'collection' | 'field'>) =>
  f.field === '*' ? `${f.collection} (whole record)` : `${f.collection}.${f.field}`;

type KeptField = Pick<FieldOutcome, 'collection' | 'field' | 'basis' | 'period'> & { outcome: string };
const keptLines = (fields: readonly KeptField[]) =>
  fields
    .filter((f) => f.outcome === 'retain')
    .map((f) => ({
      field: fieldLabel(f),
      basis: f.basis ?? 'no basis given',
      period: f.period ?? 'no period given',
    }));

export function taskContext(task: FulfilmentTaskRow, when: Intl.DateTimeFormat) {
  const parsed = task.receipt ? storedReceipt.safeParse(task.receipt) : undefined;
  const receipt = parsed?.success ? parsed.data : undefined;
  const dash = (n: number | undefined) => (n === undefined ? '—' : String(n));
  return {
    source: task.source,
    action: task.action,
    status: task.status,
    statusText: taskStatusWords[task.status],
    failed: task.status === 'failed',
    done: task.status === 'done',
    attempts: task.attempts,
    started: task.startedAt ? when.format(task.startedAt) : '',
    startedIso: task.startedAt?.toISOString() ?? '',
    finished: task.finishedAt ? when.format(task.finishedAt) : '',
    finishedIso: task.finishedAt?.toISOString() ?? '',
    error: task.lastError ?? '',
    summary: receipt?.summary ?? '',
    collections: (receipt?.collections ?? []).map((c) => ({
      collection: c.collection,
      found: c.found,
      deleted: dash(c.deleted),
      masked: dash(c.masked),
      updated: dash(c.updated),
      retained: dash(c.retained),
    })),
    kept: keptLines(receipt?.fields ?? []),
    external: receipt?.external ? JSON.stringify(receipt.external, null, 2) : '',
    raw: task.receipt && !receipt ? JSON.stringify(task.receipt, null, 2) : '',
  };
}

export function erasureContext(plan: NonNullable<PageReview['erasure']>) {
  return {
    sources: plan.sources.map((s) =>
      'error' in s
        ? { source: s.source, kind: s.kind, error: s.error }
        : {
            source: s.source,
            kind: s.kind,
            error: '',
            fields: s.fields.map((f) => ({
              collection: f.collection,
              field: f.field === '*' ? 'whole record' : f.field,
              category: f.category,
              outcome: outcomeWords[f.outcome] ?? f.outcome,
              kept: f.outcome === 'retain',
              rows: f.rows,
              why:
                f.outcome === 'retain'
                  ? `${f.basis ?? 'no basis given'} — ${f.period ?? 'no period given'}`
                  : '',
            })),
            notes: s.notes,
          },
    ),
  };
}

const decisionWords = (c: StoredCorrection) => {
  if (c.decision === 'rejected') return 'Rejected: not applied';
  if (c.decision === 'accepted')
    return c.proposed !== undefined ? `Accepted with an edited value: “${c.value}”` : 'Accepted as proposed';
  return 'Not decided yet: applied as proposed if you approve';
};

export function rectificationContext(
  review: NonNullable<PageReview['rectification']>,
  canDecide: boolean,
  failed: FailedCorrection | undefined,
) {
  return {
    corrections: review.corrections.map((c) => {
      const mine = failed?.index === c.index ? failed : undefined;
      const typed = mine?.values.value;
      return {
        index: c.index,
        number: c.index + 1,
        field: c.field,
        proposed: c.proposed ?? c.value,
        decision: c.decision ?? '',
        decisionText: decisionWords(c),
        value: typeof typed === 'string' ? typed : c.value,
        inputId: `correction-${c.index}-value`,
        errors: mine?.errors ?? {},
        matches: review.changes.filter((ch) => ch.correction === c.index).length,
        canDecide,
      };
    }),
    changes: review.changes.map((ch) => ({
      source: ch.source,
      collection: ch.collection,
      row: ch.row,
      field: ch.field,
      correction: ch.correction + 1,
      current: ch.current,
      proposed: ch.proposed,
      rectifiable: ch.rectifiable,
    })),
    problems: review.problems,
  };
}
