import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { instant } from './columns.ts';
import { requests } from './requests-tables.ts';

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
