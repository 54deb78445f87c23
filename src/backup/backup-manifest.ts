import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../audit/canonical-json.ts';
import { migrationsFolder } from '../db/migrate.ts';

/** What a backup says about itself; it travels in the file's header, ahead of the archive. */
export const manifestSchema = z.object({
  format: z.literal('rightsdesk-backup'),
  formatVersion: z.literal(1),
  createdAt: z.iso.datetime(),
  rightsdesk: z.string(),
  /** The embedded PostgreSQL's version: a data directory loads only into the same major version. */
  postgres: z.string(),
  migrations: z.object({
    applied: z.number().int().min(0),
    /** Tag of the last applied migration, e.g. `0007_records_retention`; null when none. */
    last: z.string().nullable(),
    /** drizzle's `created_at` of that migration: how a restore tells whether this code knows it. */
    lastAt: z.number().int().nullable(),
  }),
  archive: z.object({
    compression: z.literal('gzip'),
    bytes: z.number().int().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  /** A keyed check value of SECRET_KEY (never the key): a restore tells whether its key is the same. */
  secretKeyCheck: z.string().regex(/^[0-9a-f]{32}$/),
  /**
   * HMAC-SHA256 of everything above (the archive through its SHA-256), keyed from SECRET_KEY: the
   * SHA-256 alone catches damage, this catches a backup made or changed by someone without the key.
   */
  mac: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export type MigrationLevel = BackupManifest['migrations'];

const packageJson = new URL('../../package.json', import.meta.url);

export function rightsdeskVersion(): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/**
 * Suppression HMACs, signed links and export encryption all hang on SECRET_KEY: a restore under
 * another key silently stops honouring opt-outs, so the backup records which key it was made under.
 */
export function secretKeyCheck(secretKey: string): string {
  const key = Buffer.from(hkdfSync('sha256', secretKey, '', 'rightsdesk:backup-key-check', 32));
  return createHmac('sha256', key).update('rightsdesk backup').digest('hex').slice(0, 32);
}

/** The manifest's authentication code: over its canonical JSON without `mac`. */
export function manifestMac(secretKey: string, manifest: BackupManifest): string {
  const { mac: _, ...signed } = manifest;
  const key = Buffer.from(hkdfSync('sha256', secretKey, '', 'rightsdesk:backup-mac', 32));
  return createHmac('sha256', key).update(canonicalJson(signed)).digest('hex');
}

/** Constant-time: whether the backup was made, unchanged, by a holder of this SECRET_KEY. */
export function manifestAuthentic(secretKey: string, manifest: BackupManifest): boolean {
  if (!manifest.mac) return false;
  return timingSafeEqual(
    Buffer.from(manifest.mac, 'hex'),
    Buffer.from(manifestMac(secretKey, manifest), 'hex'),
  );
}

type JournalEntry = { tag: string; when: number };

/** The migrations this code ships (drizzle-kit's journal), oldest first. */
export function knownMigrations(): JournalEntry[] {
  const file = path.join(migrationsFolder, 'meta', '_journal.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries;
}

/** drizzle records a migration by its journal time (`created_at`); this names it. */
export function migrationLevel(applied: number, lastAt: number | null): MigrationLevel {
  const last = lastAt === null ? null : (knownMigrations().find((m) => m.when === lastAt)?.tag ?? null);
  return { applied, last, lastAt };
}

/** True when this code knows every migration the backup's database had (it can migrate it onwards). */
export function migrationsKnown(level: MigrationLevel): boolean {
  return level.lastAt === null || knownMigrations().some((m) => m.when === level.lastAt);
}
