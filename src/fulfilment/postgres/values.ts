import { createHmac } from 'node:crypto';
import { normaliseFieldName } from '../connector.ts';
import type { CollectionConfig } from '../sources-schemas.ts';

export const HASH_PREFIX = 'hmac-sha256:';

/** The hash strategy's replacement value: keyed, so a short value cannot be found by guessing. */
export function hashValue(hashKey: Buffer, value: unknown): string {
  return HASH_PREFIX + createHmac('sha256', hashKey).update(String(value)).digest('hex');
}

/** The value a hashed field gets; null stays null and an already hashed value is left alone (reruns). */
export function hashedReplacement(hashKey: Buffer, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && value.startsWith(HASH_PREFIX)) return value;
  return hashValue(hashKey, value);
}

/** A driver value as JSON can carry it: Date → ISO text, bigint → text, bytes → base64. */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonSafe(inner)]));
  return value;
}

export function jsonSafeRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, jsonSafe(value)]));
}

/** The configured fields of a collection a subject's correction names ("Display name" → display_name). */
export function matchingFields(collection: CollectionConfig, correctionField: string): string[] {
  const wanted = normaliseFieldName(correctionField);
  if (!wanted) return [];
  return Object.keys(collection.fields).filter((name) => normaliseFieldName(name) === wanted);
}
