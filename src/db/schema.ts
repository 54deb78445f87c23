// The database schema, one file per feature's tables (drizzle-kit reads it through this file).
import type { auditEvents, outbox } from './schema/audit-mail-tables.ts';
import {
  collectedRecords,
  downloadCodes,
  exportBundles,
  fulfilmentTasks,
  suppressions,
} from './schema/fulfilment-tables.ts';
import type { clockEvents, requestNotes, requests, verificationTokens } from './schema/requests-tables.ts';
import { staffAccounts, staffSessions } from './schema/staff-tables.ts';
import type { webhookState } from './schema/webhooks-tables.ts';

export { auditEvents, outbox, rateLimits, seenSignatures } from './schema/audit-mail-tables.ts';
export {
  clockEvents,
  requestNotes,
  requests,
  type StoredCorrection,
  verificationTokens,
} from './schema/requests-tables.ts';
export { webhookState } from './schema/webhooks-tables.ts';
export {
  collectedRecords,
  downloadCodes,
  exportBundles,
  fulfilmentTasks,
  staffAccounts,
  staffSessions,
  suppressions,
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
export type WebhookStateRow = typeof webhookState.$inferSelect;
