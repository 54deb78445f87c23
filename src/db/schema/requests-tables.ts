import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { CLOCK_EVENT_KINDS } from '../../deadlines/events.ts';
import { instant, localDate } from './columns.ts';
import { staffAccounts } from './staff-tables.ts';

export type StoredCorrection = {
  field: string;
  value: string;
  /** Unset until staff decide; `accepted` may carry an edited value in `value` (the original in `proposed`). */
  decision?: 'accepted' | 'rejected';
  proposed?: string;
};

// One row per rights request. Clock columns are denormalised from clock events for the queue.
export const requests = pgTable(
  'requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reference: text('reference').notNull(),
    type: text('type', { enum: ['access', 'rectify', 'erase', 'opt_out'] }).notNull(),
    law: text('law').notNull(),
    status: text('status', {
      enum: [
        'unverified',
        'pending_review',
        'awaiting_subject',
        'approved',
        'processing',
        'completed',
        'failed',
        'denied',
        'cancelled',
        'expired',
      ],
    }).notNull(),
    locale: text('locale').notNull().default('en'),
    subjectEmail: text('subject_email').notNull(),
    subjectName: text('subject_name'),
    details: text('details'),
    /** The subject's corrections; staff decisions (accept with an edited value, or reject) are kept beside each. */
    corrections: jsonb('corrections').$type<StoredCorrection[]>(),
    receivedAt: instant('received_at').notNull(),
    timeZone: text('time_zone').notNull(),
    receivedOn: localDate('received_on').notNull(),
    acknowledgeBy: localDate('acknowledge_by'),
    dueBy: localDate('due_by'),
    safeDueBy: localDate('safe_due_by'),
    extensionNoticeBy: localDate('extension_notice_by'),
    extendedDueBy: localDate('extended_due_by'),
    extendedAt: instant('extended_at'),
    verifiedAt: instant('verified_at'),
    remindedAt: instant('reminded_at'),
    acknowledgedAt: instant('acknowledged_at'),
    closedAt: instant('closed_at'),
    assignee: text('assignee'),
    /** The question staff last asked the subject (request-info); shown on their status page. */
    infoRequestedMessage: text('info_requested_message'),
    /** The subject's answer to that question, from their status page. */
    subjectReply: text('subject_reply'),
    /**
     * When records retention (RECORDS_RETENTION_MONTHS after closing) removed the personal data: the
     * email, name, details, corrections, messages, notes and emails are gone; the non-personal record
     * (type, law, dates, outcome) stays for metrics, and the audit chain, which holds none, verifies.
     */
    personalDataErasedAt: instant('personal_data_erased_at'),
    version: integer('version').notNull().default(1),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('requests_reference_key').on(t.reference),
    index('requests_queue_idx').on(t.safeDueBy, t.id),
    // The default queue shows open requests only: a partial index skips the (vast) closed history.
    index('requests_open_queue_idx')
      .on(t.safeDueBy, t.id)
      .where(
        sql`status in ('unverified', 'pending_review', 'awaiting_subject', 'approved', 'processing', 'failed')`,
      ),
    index('requests_status_queue_idx').on(t.status, t.safeDueBy, t.id),
    index('requests_email_idx').on(sql`lower(${t.subjectEmail})`),
    // Reports: requests received in a year, and those answered in a window (metrics, dashboard).
    index('requests_received_idx').on(t.receivedAt),
    index('requests_answered_idx').on(t.closedAt).where(sql`status in ('completed', 'denied')`),
    // The retention job's daily scan: closed requests still holding personal data, oldest first.
    index('requests_retention_idx')
      .on(t.closedAt)
      .where(sql`personal_data_erased_at is null and closed_at is not null`),
  ],
);

// The legal clock of a request as events; the clock columns on requests are recomputed from these.
export const clockEvents = pgTable(
  'clock_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    kind: text('kind', { enum: CLOCK_EVENT_KINDS }).notNull(),
    at: instant('at').notNull(),
    reason: text('reason'),
  },
  (t) => [index('clock_events_request_idx').on(t.requestId, t.id)],
);

// Emailed verification tokens: only a hash of the JWT id is stored; single use, voided by a resend.
export const verificationTokens = pgTable(
  'verification_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    jtiHash: text('jti_hash').notNull(),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
    voidedAt: instant('voided_at'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('verification_tokens_jti_key').on(t.jtiHash),
    index('verification_tokens_request_idx').on(t.requestId, t.createdAt),
  ],
);

// Staff notes on a request. The text lives only here: the audit event of a note names its id, so
// personal data written in a note never enters the immutable audit chain.
export const requestNotes = pgTable(
  'request_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => staffAccounts.id),
    body: text('body').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [index('request_notes_request_idx').on(t.requestId, t.createdAt)],
);
