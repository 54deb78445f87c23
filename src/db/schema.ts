import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const localDate = (name: string) => date(name, { mode: 'string' });

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

// Append-only, hash-chained in seq order: each sealed row's hash covers the previous row's hash.
// Rows are inserted unsealed (seq, prev_hash, hash null) and sealed in batches by the audit sealer.
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id').references(() => requests.id),
    kind: text('kind').notNull(),
    actor: text('actor').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    at: instant('at').notNull().defaultNow(),
    /** Position in the chain (1, 2, 3 …); null until sealed. */
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_events_request_idx').on(t.requestId, t.id),
    uniqueIndex('audit_events_seq_key').on(t.seq),
    uniqueIndex('audit_events_hash_key').on(t.hash),
    uniqueIndex('audit_events_prev_hash_key').on(t.prevHash),
    index('audit_events_unsealed_idx').on(t.id).where(sql`seq is null`),
  ],
);

// Transactional outbox: written with the state change, sent later by a durable job.
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id').references(() => requests.id),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    status: text('status', { enum: ['pending', 'sent'] })
      .notNull()
      .default('pending'),
    transport: text('transport'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    messageId: text('message_id'),
    createdAt: instant('created_at').notNull().defaultNow(),
    sentAt: instant('sent_at'),
  },
  (t) => [index('outbox_status_idx').on(t.status, t.createdAt)],
);

// The legal clock of a request as events; the clock columns on requests are recomputed from these.
export const clockEvents = pgTable(
  'clock_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    kind: text('kind', {
      enum: [
        'received',
        'acknowledged',
        'verified',
        'id_received',
        'paused',
        'resumed',
        'extended',
        'closed',
      ],
    }).notNull(),
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

// Fixed-window rate-limit counters shared by every web process (no per-process memory).
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  hits: integer('hits').notNull(),
  resetAt: instant('reset_at').notNull(),
});

// Staff who work the queue. Passwords only as argon2id hashes; lockout state lives with the account.
export const staffAccounts = pgTable(
  'staff_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    role: text('role', { enum: ['admin', 'dpo', 'support'] }).notNull(),
    passwordHash: text('password_hash').notNull(),
    disabledAt: instant('disabled_at'),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: instant('locked_until'),
    lastLoginAt: instant('last_login_at'),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('staff_accounts_email_key').on(t.email)],
);

// Server-side sessions: the cookie's or bearer's JWT names one of these, so logout and disabling revoke it.
export const staffSessions = pgTable(
  'staff_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staffAccounts.id),
    kind: text('kind', { enum: ['cookie', 'bearer'] }).notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
  },
  (t) => [index('staff_sessions_staff_idx').on(t.staffId)],
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

// One per data source per request: the unit the fulfilment runner retries, receipts and reports.
export const fulfilmentTasks = pgTable(
  'fulfilment_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    source: text('source').notNull(),
    action: text('action', { enum: ['access', 'erase', 'rectify', 'opt_out'] }).notNull(),
    /** waiting: an http source answered 202 and will call back. */
    status: text('status', { enum: ['pending', 'running', 'waiting', 'done', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** What the source reports was done (counts, retained fields with basis, or the http receipt). */
    receipt: jsonb('receipt').$type<Record<string, unknown>>(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('fulfilment_tasks_request_source_key').on(t.requestId, t.source),
    index('fulfilment_tasks_waiting_idx').on(t.updatedAt).where(sql`status = 'waiting'`),
  ],
);

// Records an access task collected, handed to the export bundle; written in batches, read by cursor.
export const collectedRecords = pgTable(
  'collected_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => fulfilmentTasks.id, { onDelete: 'cascade' }),
    collection: text('collection').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index('collected_records_task_idx').on(t.taskId, t.id),
    // The export reads one collection at a time, in insertion order.
    index('collected_records_collection_idx').on(t.taskId, t.collection, t.id),
  ],
);

// Who must not get marketing (or whose data must not be sold/shared): only an HMAC of the
// normalised email, so the list itself reveals no addresses.
export const suppressions = pgTable(
  'suppressions',
  {
    emailHmac: text('email_hmac').notNull(),
    scope: text('scope', { enum: ['marketing', 'sale_sharing'] }).notNull(),
    origin: text('origin', { enum: ['opt_out_request', 'unsubscribe', 'gpc', 'staff'] }).notNull(),
    requestId: uuid('request_id').references(() => requests.id),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.emailHmac, t.scope] })],
);

// Signatures already accepted from http sources: a replayed callback inside the tolerance window is refused.
export const seenSignatures = pgTable('seen_signatures', {
  signatureHash: text('signature_hash').primaryKey(),
  expiresAt: instant('expires_at').notNull(),
});

// One data-export bundle of an access request: an encrypted ZIP in the store, released to the
// subject through an expiring signed link plus a one-time emailed code.
export const exportBundles = pgTable(
  'export_bundles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    /** Where the encrypted file lives in the store (never a path given by a user). */
    storageKey: text('storage_key').notNull(),
    /** Which derived key encrypted it (key rotation: old bundles stay readable). */
    keyId: text('key_id').notNull(),
    /** Plaintext ZIP size and SHA-256, as the subject will receive it. */
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** manifest.json as written into the bundle (files, sizes, hashes). */
    manifest: jsonb('manifest').$type<Record<string, unknown>>().notNull(),
    createdAt: instant('created_at').notNull(),
    /** Set when the subject may download it (at once, or after the DPO's review). */
    releasedAt: instant('released_at'),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
    /** The file was deleted from the store (expired or revoked); the row stays as a record. */
    purgedAt: instant('purged_at'),
  },
  (t) => [
    index('export_bundles_request_idx').on(t.requestId, t.createdAt),
    index('export_bundles_purge_idx').on(t.expiresAt).where(sql`purged_at is null`),
  ],
);

// One-time codes emailed afresh before a download: a forwarded link alone is not enough.
export const downloadCodes = pgTable(
  'download_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    bundleId: uuid('bundle_id')
      .notNull()
      .references(() => exportBundles.id),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('download_codes_bundle_idx').on(t.bundleId, t.createdAt)],
);

export type StoredCorrection = {
  field: string;
  value: string;
  /** Unset until staff decide; `accepted` may carry an edited value in `value` (the original in `proposed`). */
  decision?: 'accepted' | 'rejected';
  proposed?: string;
};

export type RequestRow = typeof requests.$inferSelect;
export type NewRequestRow = typeof requests.$inferInsert;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type ClockEventRow = typeof clockEvents.$inferSelect;
export type VerificationTokenRow = typeof verificationTokens.$inferSelect;
export type StaffAccountRow = typeof staffAccounts.$inferSelect;
export type StaffSessionRow = typeof staffSessions.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;
export type RequestNoteRow = typeof requestNotes.$inferSelect;
export type FulfilmentTaskRow = typeof fulfilmentTasks.$inferSelect;
export type SuppressionRow = typeof suppressions.$inferSelect;
export type ExportBundleRow = typeof exportBundles.$inferSelect;
export type DownloadCodeRow = typeof downloadCodes.$inferSelect;
