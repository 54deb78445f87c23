import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CollectionReceipt, FieldOutcome } from '../../../src/fulfilment/connector.ts';
import { eraseSummary } from '../../../src/fulfilment/postgres/erase-report.ts';
import { rectifySummary } from '../../../src/fulfilment/postgres/rectify.ts';
import {
  hashedReplacement,
  hashValue,
  jsonSafe,
  matchingFields,
} from '../../../src/fulfilment/postgres/values.ts';
import type { CollectionConfig } from '../../../src/fulfilment/sources-schemas.ts';

const key = Buffer.from('k');

describe('postgres connector values', () => {
  it('hash → keyed HMAC-SHA256 hex with a prefix; null stays null; hashed values are left alone', () => {
    const expected = `hmac-sha256:${createHmac('sha256', key).update('a@b.c').digest('hex')}`;
    expect(hashValue(key, 'a@b.c')).toBe(expected);
    expect(hashValue(Buffer.from('other'), 'a@b.c')).not.toBe(expected);
    expect(hashedReplacement(key, 'a@b.c')).toBe(expected);
    expect(hashedReplacement(key, expected)).toBe(expected);
    expect(hashedReplacement(key, null)).toBeNull();
    expect(hashedReplacement(key, 42)).toBe(hashValue(key, '42'));
  });

  it('driver values → JSON-safe: Date as ISO text, bigint as text, bytes as base64, nested too', () => {
    expect(jsonSafe(new Date('2024-03-01T10:00:00Z'))).toBe('2024-03-01T10:00:00.000Z');
    expect(jsonSafe(12345678901234567890n)).toBe('12345678901234567890');
    expect(jsonSafe(Buffer.from([1, 2, 255]))).toBe('AQL/');
    expect(jsonSafe(new Uint8Array([1, 2, 255]).subarray(1))).toBe(Buffer.from([2, 255]).toString('base64'));
    expect(jsonSafe({ a: [new Date(0), 1n], b: null, c: undefined })).toEqual({
      a: ['1970-01-01T00:00:00.000Z', '1'],
      b: null,
      c: null,
    });
    expect(jsonSafe(Number.NaN)).toBe('NaN');
    expect(jsonSafe('text')).toBe('text');
  });

  it('correction field names → matched to configured columns the way subjects write them', () => {
    const fields = {
      display_name: { category: 'identity', erase: { strategy: 'null' }, rectifiable: true },
      email: { category: 'contact', erase: { strategy: 'hash' }, rectifiable: false },
    };
    const collection = { fields } as unknown as CollectionConfig;
    expect(matchingFields(collection, 'Display name')).toEqual(['display_name']);
    expect(matchingFields(collection, ' DISPLAY-NAME ')).toEqual(['display_name']);
    expect(matchingFields(collection, 'E-mail')).toEqual([]);
    expect(matchingFields(collection, 'email')).toEqual(['email']);
    expect(matchingFields(collection, '***')).toEqual([]);
  });
});

describe('postgres connector summaries', () => {
  const retain: FieldOutcome = {
    collection: 'invoices',
    field: 'amount',
    category: 'financial',
    outcome: 'retain',
    rows: 1,
    basis: 'tax law',
    period: '5 years',
  };

  it('erase summary → deleted, masked and kept with the basis; rows pluralised', () => {
    const collections: CollectionReceipt[] = [
      { collection: 'a', found: 2, masked: 2, retained: 0 },
      { collection: 's', found: 4, deleted: 4 },
      { collection: 'i', found: 1, masked: 0, retained: 1 },
    ];
    expect(eraseSummary(collections, [retain])).toBe('4 rows deleted, 2 masked, 1 kept (tax law, 5 years)');
    expect(eraseSummary([{ collection: 'i', found: 1, masked: 0, retained: 1 }], [retain])).toBe(
      '1 row kept (tax law, 5 years)',
    );
    expect(eraseSummary([{ collection: 'a', found: 0, masked: 0 }], [])).toBe('no rows found');
    expect(eraseSummary([{ collection: 'a', found: 3, masked: 0, retained: 0 }], [])).toBe(
      '3 rows found, already erased',
    );
  });

  it('rectify summary → fields updated and the ones that cannot change', () => {
    expect(rectifySummary(2, true, ['email'])).toBe("2 fields updated; 'email' cannot be changed here");
    expect(rectifySummary(1, true, [])).toBe('1 field updated');
    expect(rectifySummary(0, true, [])).toBe('no rows found to update');
    expect(rectifySummary(0, false, ['email', 'id'])).toBe("'email', 'id' cannot be changed here");
    expect(rectifySummary(0, false, [])).toBe('no field here matches the corrections');
  });
});
