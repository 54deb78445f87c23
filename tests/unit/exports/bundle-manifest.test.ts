import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  createMeter,
  manifestSchema,
  safeSegment,
  uniqueSegments,
} from '../../../src/exports/bundle-manifest.ts';

describe('bundle paths', () => {
  it.each([
    ['accounts', 'accounts'],
    ['public.orders', 'public.orders'],
    ['my table/../x', 'my_table_.._x'],
    ['..', '_..'],
    ['.', '_.'],
    ['', '_'],
    ['C:\\evil', 'C__evil'],
    ['Zoë', 'Zo_'],
  ])('makes %j a safe segment: %j', (name, safe) => {
    expect(safeSegment(name)).toBe(safe);
  });

  it('keeps segments unique, ignoring case', () => {
    expect(uniqueSegments(['a b', 'a_b', 'A_B', 'c'])).toEqual(['a_b', 'a_b-2', 'A_B-3', 'c']);
  });
});

describe('meter', () => {
  it('counts and hashes what passes through, reporting before the end reaches downstream', async () => {
    const seen: string[] = [];
    const meter = createMeter((m) => seen.push(`done ${m.size}`));
    await pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), meter.stream, async (s) => {
      for await (const _ of s) {
      }
      seen.push('downstream end');
    });
    expect(await meter.done).toEqual({
      size: 6,
      sha256: 'bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721',
    });
    expect(seen).toEqual(['done 6', 'downstream end']);
  });
});

describe('manifest schema', () => {
  it('refuses a manifest that is not ours', () => {
    const good = {
      format: 'rightsdesk-export/1',
      reference: 'RD-1',
      law: 'gdpr',
      type: 'access',
      locale: 'en',
      generatedAt: '2026-01-01T00:00:00.000Z',
      files: [{ path: 'a', size: 1, sha256: 'a'.repeat(64) }],
    };
    expect(manifestSchema.safeParse(good).success).toBe(true);
    expect(manifestSchema.safeParse({ ...good, format: 'other' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...good, files: [{ path: 'a', size: -1, sha256: 'x' }] }).success).toBe(
      false,
    );
  });
});
