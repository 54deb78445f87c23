import { describe, expect, it } from 'vitest';
import { isDroppedTypeLookup, unhandledRejectionHandler } from '../../../src/db/driver-rejections.ts';

// The error postgres.js rejects its own type lookup with: the cause, plus the query text attached
// (not enumerable unless the driver's debug option is on).
const typeLookupQuery = `
      select b.oid, b.typarray
      from pg_catalog.pg_type a
      left join pg_catalog.pg_type b on b.oid = a.typelem
      where a.typcategory = 'A'`;
function driverError(code: string, query: string): Error {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
  return Object.create(cause, { query: { value: query, enumerable: false } });
}

function recorder() {
  const calls: { level: string; fields: unknown; msg: string }[] = [];
  const exits: number[] = [];
  const logger = {
    warn: (fields: unknown, msg: string) => calls.push({ level: 'warn', fields, msg }),
    fatal: (fields: unknown, msg: string) => calls.push({ level: 'fatal', fields, msg }),
  } as never;
  return { calls, exits, handle: unhandledRejectionHandler(logger, (code) => exits.push(code)) };
}

describe('unhandled rejections', () => {
  it("the driver's type lookup refused mid-restart → recognised", () => {
    expect(isDroppedTypeLookup(driverError('ECONNREFUSED', typeLookupQuery))).toBe(true);
  });

  it('an ordinary query error, a plain error, a string or nothing → not recognised', () => {
    expect(isDroppedTypeLookup(driverError('ECONNREFUSED', 'select * from requests'))).toBe(false);
    expect(isDroppedTypeLookup(new Error('pg_catalog.pg_type typarray'))).toBe(false);
    expect(isDroppedTypeLookup('pg_catalog.pg_type typarray')).toBe(false);
    expect(isDroppedTypeLookup(undefined)).toBe(false);
  });

  it('a dropped type lookup → one warning with the code only, and the process lives', () => {
    const { calls, exits, handle } = recorder();
    handle(driverError('ECONNREFUSED', typeLookupQuery));
    expect(exits).toEqual([]);
    expect(calls).toEqual([
      { level: 'warn', fields: { code: 'ECONNREFUSED' }, msg: expect.stringContaining('connection failed') },
    ]);
  });

  it('a bare refused connection (no query attached) → a warning, and the process lives', () => {
    const { calls, exits, handle } = recorder();
    handle(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(exits).toEqual([]);
    expect(calls.map((c) => c.level)).toEqual(['warn']);
  });

  it('any other unhandled rejection → logged as fatal and the process exits 1, as Node would', () => {
    const { calls, exits, handle } = recorder();
    handle(new TypeError('a bug'));
    expect(exits).toEqual([1]);
    expect(calls.map((c) => c.level)).toEqual(['fatal']);
  });
});
