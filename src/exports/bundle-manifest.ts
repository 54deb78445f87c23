import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { z } from 'zod';
import type { BundleFile, Manifest } from './exports-contract.ts';

export const MANIFEST_PATH = 'manifest.json';
export const MANIFEST_FORMAT = 'rightsdesk-export/1';

export type Measure = { size: number; sha256: string };

/** Bytes passing through are counted and hashed; `done` resolves with both once the stream ends. */
export type Meter = { stream: Transform; done: Promise<Measure> };

/** `onDone` runs synchronously at the end of the stream, before anything downstream sees its end. */
export function createMeter(onDone?: (measure: Measure) => void): Meter {
  const hash = createHash('sha256');
  let size = 0;
  let resolve!: (value: Measure) => void;
  let reject!: (error: Error) => void;
  const done = new Promise<Measure>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Never an unhandled rejection: whoever awaits it still sees the error.
  done.catch(() => {});
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const measure = { size, sha256: hash.digest('hex') };
      onDone?.(measure);
      resolve(measure);
      callback();
    },
  });
  stream.once('error', reject);
  stream.once('close', () => reject(new Error('stream closed before its end')));
  return { stream, done };
}

/** A name made safe as one path segment inside the ZIP: [^A-Za-z0-9._-] → _, never "." or "..". */
export function safeSegment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
}

/**
 * Safe names for a list of names, unique even where file systems ignore case: "a b" and "a_b", or
 * "Users" and "users", would otherwise land in one file.
 */
export function uniqueSegments(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const base = safeSegment(name);
    let candidate = base;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${base}-${n}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');

/** manifest.json as `export verify` reads it: a hostile file is parsed, never trusted. */
export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  reference: z.string(),
  law: z.string(),
  type: z.literal('access'),
  locale: z.string(),
  generatedAt: z.string(),
  files: z.array(z.object({ path: z.string().min(1), size: z.number().int().min(0), sha256: sha256Hex })),
}) satisfies z.ZodType<Manifest>;

export function manifestJson(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

export type { BundleFile };
