import type { I18n } from '../i18n/i18n.ts';
import { can } from '../staff/permissions.ts';
import type { StaffIdentity } from '../staff/staff-service.ts';
import type { StaffAction } from './staff-request-schemas.ts';
import { denyReasons } from './staff-request-schemas.ts';
import { allowedActions, type StaffRequestView } from './staff-request-service.ts';
import { exportsContext, type PageExports } from './staff-request-view-exports.ts';
import {
  erasureContext,
  type FailedCorrection,
  type PageReview,
  rectificationContext,
  taskContext,
} from './staff-request-view-fulfilment.ts';

/** A form that failed: its action, the message per field and what the user typed (kept on re-render). */
export type FailedForm = {
  action: StaffAction;
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
