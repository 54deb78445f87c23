import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from './columns.ts';

// Where event delivery to WEBHOOK_URL stands: the last audit seq delivered, a lease so one worker
// process delivers at a time (in order), and the backoff after a failure.
export const webhookState = pgTable('webhook_state', {
  id: text('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  leaseUntil: instant('lease_until'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: instant('next_attempt_at'),
  lastError: text('last_error'),
  lastDeliveredAt: instant('last_delivered_at'),
});
