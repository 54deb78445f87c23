import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { instant } from './columns.ts';
import { requests } from './requests-tables.ts';

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

// Fixed-window rate-limit counters shared by every web process (no per-process memory).
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  hits: integer('hits').notNull(),
  resetAt: instant('reset_at').notNull(),
});

// Signatures already accepted from http sources: a replayed callback inside the tolerance window is refused.
export const seenSignatures = pgTable('seen_signatures', {
  signatureHash: text('signature_hash').primaryKey(),
  expiresAt: instant('expires_at').notNull(),
});
