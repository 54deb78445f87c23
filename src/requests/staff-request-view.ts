import { z } from 'zod';
import type { FulfilmentTaskRow, StoredCorrection } from '../db/schema.ts';
import type { ExportItem } from '../exports/exports-service.ts';
import type { EraseOutcome, FieldOutcome } from '../fulfilment/connector.ts';
import type { PlanOrProblem, RectificationReview } from '../fulfilment/review-service.ts';
import type { I18n } from '../i18n/i18n.ts';
import { can } from '../staff/permissions.ts';
import type { StaffIdentity } from '../staff/staff-service.ts';
import type { StaffAction } from './staff-request-schemas.ts';
import { denyReasons } from './staff-request-schemas.ts';
import { allowedActions, type StaffRequestView } from './staff-request-service.ts';

/** A form that failed: its action, the message per field and what the user typed (kept on re-render). */
export type FailedForm = {
  action: StaffAction;
  errors: Record<string, string>;
  values: Record<string, unknown>;
};

/** A correction decision form that failed: which correction, the message per field and what was typed. */
export type FailedCorrection = {
  index: number;
  errors: Record<string, string>;
  values: Record<string, unknown>;
};

export type PageState = {
  notice?: string;
  problem?: string;
  stale?: boolean;
  failed?: FailedForm;
  failedCorrection?: FailedCorrection;
};

/** What the sources say before approval: the erasure dry run, or the rectification diff. */
export type PageReview = {
  erasure?: { sources: PlanOrProblem[] };
  rectification?: Omit<RectificationReview, 'reference'>;
};

const actionLabels: Record<StaffAction, string> = {
  approve: 'Approve',
  'request-info': 'Ask the subject for information',
  resume: 'Resume without an answer',
  deny: 'Deny',
  retry: 'Retry the failed data sources',
  cancel: 'Cancel the request',
  extend: 'Extend the deadline',
  assign: 'Assign',
  note: 'Add a note',
};

export const doneNotices: Record<StaffAction, string> = {
  approve: 'Approved.',
  'request-info': 'Question sent to the subject; the request waits for their answer.',
  resume: 'Back in review.',
  deny: 'Denied; the subject has been emailed the reasons.',
  retry: 'Retrying.',
  cancel: 'Cancelled; the subject has been emailed.',
  extend: 'Deadline extended; the subject has been emailed the reason and the new date.',
  assign: 'Assignment saved.',
  note: 'Note added.',
};

/** Notices after the fulfilment review forms (POST …/corrections), keyed by `?done=`. */
export const reviewNotices: Record<string, string> = {
  corrections: 'Decision saved. Approving the request applies every correction not rejected.',
};

/** Notices after the export bundle forms (POST …/exports/…), keyed by `?done=`. */
export const exportNotices: Record<string, string> = {
  'export-release': 'Export released: the subject has been emailed their download link.',
  'export-revoke': 'Export revoked: its link and codes no longer work.',
  'export-rebuild': 'A new export is being built from the records already collected.',
};

/** The notice for `?done=` after a redirect, or none. */
export function doneNotice(done: unknown): string | undefined {
  if (typeof done !== 'string') return undefined;
  if (Object.hasOwn(doneNotices, done)) return doneNotices[done as StaffAction];
  if (Object.hasOwn(reviewNotices, done)) return reviewNotices[done];
  return Object.hasOwn(exportNotices, done) ? exportNotices[done] : undefined;
}

/** An access request's export bundles, for staff with export.view. */
export type PageExports = { review: boolean; items: ExportItem[] };

const bundleStateWords: Record<ExportItem['state'], string> = {
  awaiting_review: 'Awaiting your release',
  released: 'Released',
  expired: 'Expired',
  revoked: 'Revoked',
  purged: 'File deleted',
};

const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;

function exportsContext(exports: PageExports, status: string, when: Intl.DateTimeFormat) {
  const at = (iso: string | null) => (iso ? { iso, text: when.format(new Date(iso)) } : undefined);
  const live = (b: ExportItem) => b.state === 'released' || b.state === 'awaiting_review';
  return {
    review: exports.review,
    bundles: exports.items.map((b, i) => ({
      id: b.id,
      number: i + 1,
      state: b.state,
      stateText: bundleStateWords[b.state],
      files: b.files,
      size: sizeText(b.size),
      created: at(b.createdAt),
      expires: at(b.expiresAt),
      released: at(b.releasedAt),
      revoked: at(b.revokedAt),
      canPreview: b.purgedAt === null,
      canRelease: b.releasedAt === null && b.revokedAt === null,
      canRevoke: live(b),
    })),
    // The service refuses a rebuild while a bundle is live or the request is not processing/completed.
    canRebuild: !exports.items.some(live) && (status === 'processing' || status === 'completed'),
  };
}

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

function taskContext(task: FulfilmentTaskRow, when: Intl.DateTimeFormat) {
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

function erasureContext(plan: NonNullable<PageReview['erasure']>) {
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

function rectificationContext(
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

const actorLabel = (names: Map<string, string>, actor: string) => names.get(actor) ?? actor;

/** The template context of /staff/requests/{reference}: everything preformatted, one form per allowed action. */
export function requestPageContext(
  view: StaffRequestView,
  staff: StaffIdentity,
  deps: { i18n: I18n; now: Date; csrf: string },
  state: PageState = {},
  review: PageReview = {},
  exports?: PageExports,
) {
  const { request: r, clock } = view;
  const names = new Map(view.staff.map((s) => [s.id, `${s.email} (${s.role})`]));
  const when = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: r.timeZone,
  });
  const forms = Object.fromEntries(
    allowedActions(staff.role, view, deps.now).map((action) => {
      const failed = state.failed?.action === action ? state.failed : undefined;
      return [
        action,
        { label: actionLabels[action], errors: failed?.errors ?? {}, values: failed?.values ?? {} },
      ];
    }),
  );
  const { failedCorrection, ...shown } = state;
  const tasks = view.tasks.map((t) => taskContext(t, when));
  return {
    title: `Request ${r.reference}`,
    staff,
    csrf: deps.csrf,
    ...shown,
    request: r,
    statusText: deps.i18n.t('en', `status.${r.status}`),
    received: when.format(r.receivedAt),
    assigneeLabel: r.assignee ? actorLabel(names, r.assignee) : 'nobody',
    clock,
    timeline: view.events.map((e) => ({
      iso: e.at.toISOString(),
      when: when.format(e.at),
      kind: e.kind,
      actor: actorLabel(names, e.actor),
      data: Object.keys(e.data).length ? JSON.stringify(e.data) : '',
    })),
    notes: view.notes.map((n) => ({
      when: when.format(n.createdAt),
      iso: n.createdAt.toISOString(),
      author: actorLabel(names, n.authorId),
      body: n.body,
    })),
    emails: view.emails.map((m) => ({
      subject: m.subject,
      status: m.status,
      queued: when.format(m.createdAt),
      sent: m.sentAt ? when.format(m.sentAt) : '',
    })),
    forms,
    hasForms: Object.keys(forms).length > 0,
    tasks,
    failedSources: tasks
      .filter((t) => t.failed)
      .map((t) => t.source)
      .join(', '),
    erasurePlan: review.erasure ? erasureContext(review.erasure) : undefined,
    rectification: review.rectification
      ? rectificationContext(review.rectification, can(staff.role, 'request.approve'), failedCorrection)
      : undefined,
    exports: exports ? exportsContext(exports, r.status, when) : undefined,
    denyReasons: denyReasons.map((code) => ({
      code,
      label: deps.i18n.t('en', `email.denied.reason.${code}`),
      selected: forms.deny?.values.reason === code,
    })),
    assignable: view.assignable.map((s) => ({
      id: s.id,
      label: `${s.email} (${s.role})`,
      selected: (forms.assign?.values.assignee ?? r.assignee) === s.id,
    })),
  };
}
