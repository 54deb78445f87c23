import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { FulfilmentTaskRow, RequestRow } from '../db/schema.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { Logger } from '../logger.ts';

// The seam between the bundle builder (what goes into the ZIP, how it is stored encrypted) and the
// delivery (jobs, links, codes, downloads, revocation, expiry).

/** One file inside the ZIP, as manifest.json lists it. */
export type BundleFile = { path: string; size: number; sha256: string };

export type Manifest = {
  format: 'rightsdesk-export/1';
  reference: string;
  law: string;
  type: 'access';
  locale: string;
  generatedAt: string;
  files: BundleFile[];
};

/** Encrypted object storage: the filesystem under DATA_DIR by default; S3-compatible later. */
export interface BundleStore {
  /** Streams `plaintext` into the store encrypted; resolves when the object is durable. */
  write(key: string, plaintext: Readable): Promise<{ keyId: string; encryptedBytes: number }>;
  /** The object decrypted while streaming; the stream errors if the object was tampered with. */
  read(key: string, keyId: string): Readable;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Deletes objects last written before `olderThan` that `isLive` does not claim, and temp files a
   * crashed write left: encrypted personal data that no bundle row points to, which nothing else
   * would ever delete. Returns how many files went.
   */
  sweep(isLive: (key: string) => Promise<boolean>, olderThan: Date): Promise<number>;
}

export type BuildDeps = {
  db: Db;
  config: Config;
  i18n: I18n;
  store: BundleStore;
  logger: Logger;
  now: () => Date;
};

/** What a finished build leaves in the store, for the export_bundles row. */
export type BuiltBundle = {
  storageKey: string;
  keyId: string;
  /** Plaintext ZIP size and SHA-256. */
  size: number;
  sha256: string;
  manifest: Manifest;
};

/**
 * Builds the bundle of an access request from its tasks' collected records (streamed, never whole in
 * memory) and writes it encrypted to the store. Implemented in src/exports/bundle-builder.ts.
 */
export type BuildBundle = (
  deps: BuildDeps,
  request: RequestRow,
  tasks: FulfilmentTaskRow[],
) => Promise<BuiltBundle>;
