import { appendAuditEvent, listRequestEvents } from '../audit/audit-service.ts';
import type { AuditEventRow, FulfilmentTaskRow, RequestNoteRow, RequestRow } from '../db/schema.ts';
import { type ClockState, checkExtension } from '../deadlines/index.ts';
import { listTasks } from '../fulfilment/tasks-repo.ts';
import { AppError } from '../http/app-error.ts';
import { can, type Permission, type StaffRole } from '../staff/permissions.ts';
import { listNotes } from './notes-repo.ts';
import { currentClock } from './request-clock.ts';
import type { RequestDeps } from './request-deps.ts';
import { findRequestByReference } from './requests-repo.ts';
import { type StaffItem, toStaffItem } from './staff-item.ts';
import {
  findStaffNames,
  listAssignableStaff,
  listRequestEmails,
  type SentEmail,
  type StaffName,
} from './staff-request-repo.ts';
import type { StaffAction } from './staff-request-schemas.ts';
import { checkTransition, isOpen } from './transitions.ts';

export type StaffRequestView = {
  request: RequestRow;
  clock: ClockState;
  events: AuditEventRow[];
  notes: RequestNoteRow[];
  emails: SentEmail[];
  /** One fulfilment task per data source, with receipts and errors (none before approval). */
  tasks: FulfilmentTaskRow[];
  /** Staff accounts named in the trail and notes, and those a request may be assigned to. */
  staff: StaffName[];
  assignable: StaffName[];
};

/** Everything the DPO sees of one request: subject data, clock, trail, notes and emails sent. */
export async function getStaffRequest(
  deps: RequestDeps,
  reference: string,
  viewer: { staffId: string; via: 'page' | 'api' },
): Promise<StaffRequestView> {
  const request = await findRequestByReference(deps.db, reference);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${reference} does not exist.`);
  // Every view of a subject's data is on the record (who, when, how); the record holds no data itself.
  await appendAuditEvent(deps.db, {
    requestId: request.id,
    kind: 'request.viewed',
    actor: viewer.staffId,
    data: { via: viewer.via },
    at: deps.now(),
  });
  const [clock, events, notes, emails, assignable, tasks] = await Promise.all([
    currentClock(deps.db, request, deps.config.clock),
    listRequestEvents(deps.db, request.id),
    listNotes(deps.db, request.id),
    listRequestEmails(deps.db, request.id),
    listAssignableStaff(deps.db, ['admin', 'dpo']),
    listTasks(deps.db, request.id),
  ]);
  const ids = new Set([...events.map((e) => e.actor), ...notes.map((n) => n.authorId)]);
  if (request.assignee) ids.add(request.assignee);
  const staff = await findStaffNames(deps.db, [...ids]);
  return { request, clock, events, notes, emails, tasks, staff, assignable };
}

/**
 * The actions this role may take on the request now: the transitions table for status changes,
 * the clock for extensions, and the permissions table for everything.
 */
export function allowedActions(
  role: StaffRole,
  view: Pick<StaffRequestView, 'request' | 'clock'>,
  now: Date,
): StaffAction[] {
  const { request, clock } = view;
  const permitted = (a: StaffAction) => can(role, `request.${a}` as Permission);
  const statusChanges = (['approve', 'request-info', 'resume', 'deny', 'retry', 'cancel'] as const).filter(
    (a) => checkTransition(a, request.status, role).ok,
  );
  const open = isOpen(request.status);
  const others: StaffAction[] = [
    ...(open && checkExtension(clock, now.toISOString()).ok ? (['extend'] as const) : []),
    ...(open ? (['assign'] as const) : []),
    'note',
  ];
  return [...statusChanges, ...others].filter(permitted);
}

export type StaffRequestJson = StaffItem & {
  subject: {
    email: string;
    name: string | null;
    details: string | null;
    corrections: { field: string; value: string }[] | null;
    question: string | null;
    reply: string | null;
    /** Set once records retention removed the personal data: the fields above are then empty. */
    erasedAt: string | null;
  };
  clock: Pick<
    ClockState,
    'acknowledgeBy' | 'dueBy' | 'safeDueBy' | 'extensionNoticeBy' | 'extendedDueBy' | 'paused' | 'explain'
  >;
  events: { kind: string; actor: string; at: string; data: Record<string, unknown> }[];
  notes: { id: string; author: string; body: string; createdAt: string }[];
  emails: { subject: string; status: string; createdAt: string; sentAt: string | null }[];
  tasks: {
    source: string;
    action: string;
    status: string;
    attempts: number;
    error: string | null;
    receipt: Record<string, unknown> | null;
    startedAt: string | null;
    finishedAt: string | null;
  }[];
};

export function toStaffRequestJson(view: StaffRequestView): StaffRequestJson {
  const { request: r, clock: c } = view;
  return {
    ...toStaffItem(r),
    subject: {
      email: r.subjectEmail,
      name: r.subjectName,
      details: r.details,
      corrections: r.corrections,
      question: r.infoRequestedMessage,
      reply: r.subjectReply,
      erasedAt: r.personalDataErasedAt?.toISOString() ?? null,
    },
    clock: {
      acknowledgeBy: c.acknowledgeBy,
      dueBy: c.dueBy,
      safeDueBy: c.safeDueBy,
      extensionNoticeBy: c.extensionNoticeBy,
      extendedDueBy: c.extendedDueBy,
      paused: c.paused,
      explain: c.explain,
    },
    events: view.events.map((e) => ({ kind: e.kind, actor: e.actor, at: e.at.toISOString(), data: e.data })),
    notes: view.notes.map((n) => ({
      id: n.id,
      author: n.authorId,
      body: n.body,
      createdAt: n.createdAt.toISOString(),
    })),
    emails: view.emails.map((m) => ({
      subject: m.subject,
      status: m.status,
      createdAt: m.createdAt.toISOString(),
      sentAt: m.sentAt?.toISOString() ?? null,
    })),
    tasks: view.tasks.map((t) => ({
      source: t.source,
      action: t.action,
      status: t.status,
      attempts: t.attempts,
      error: t.lastError,
      receipt: t.receipt,
      startedAt: t.startedAt?.toISOString() ?? null,
      finishedAt: t.finishedAt?.toISOString() ?? null,
    })),
  };
}
