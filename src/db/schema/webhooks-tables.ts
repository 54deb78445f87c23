import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from './columns.ts';

// Where event delivery to WEBHOOK_URL stands: the endpoint it is for, the last audit seq delivered,
// a lease (token + expiry, in the database's time) so one worker process delivers at a time and in
// order, and the backoff after a failure.
export const webhookState = pgTable('webhook_state', {
  id: text('id').primaryKey(),
  /** SHA-256 of WEBHOOK_URL: a new endpoint starts from the chain's tip, not from another's backlog. */
  endpoint: text('endpoint').notNull(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  leaseToken: text('lease_token'),
  leaseUntil: instant('lease_until'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: instant('next_attempt_at'),
  lastError: text('last_error'),
  lastDeliveredAt: instant('last_delivered_at'),
});
