import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from '../../../src/audit/canonical-json.ts';

describe('canonicalJson', () => {
  it('same object with keys in another order → identical text', () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe(canonicalJson({ c: 3, a: 2, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('nested objects → keys sorted at every depth, no whitespace', () => {
    const value = { z: { y: { b: true, a: null } }, a: [{ d: 1, c: 2 }] };
    expect(canonicalJson(value)).toBe('{"a":[{"c":2,"d":1}],"z":{"y":{"a":null,"b":true}}}');
  });

  it('arrays → element order kept', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson(['b', 'a'])).not.toBe(canonicalJson(['a', 'b']));
  });

  it('unicode strings and keys → JSON escapes only where required, keys sorted by UTF-16 code units', () => {
    expect(canonicalJson({ ü: 'Zażółć gęślą jaźń', '😀': '日本語', a: 'line\nbreak "quoted"' })).toBe(
      '{"a":"line\\nbreak \\"quoted\\"","ü":"Zażółć gęślą jaźń","😀":"日本語"}',
    );
    // U+FF61 sorts before U+1F600 by code point but after it by UTF-16 code unit (0xD83D < 0xFF61).
    expect(canonicalJson({ '｡': 1, '😀': 2 })).toBe('{"😀":2,"｡":1}');
    expect(canonicalJson('\u0007')).toBe('"\\u0007"');
  });

  it('numbers → as JSON.stringify writes them (shortest round-trip form)', () => {
    expect(canonicalJson([0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 2 ** 53, 123456789.123])).toBe(
      '[0,0,1,-1.5,0.1,1e+21,1e-7,9007199254740992,123456789.123]',
    );
  });

  it('scalars and empty containers → their JSON', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson(Object.create(null))).toBe('{}');
  });

  it('property whose value is undefined → left out, as jsonb would store it', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('values JSON cannot carry unchanged → error naming the path', () => {
    const cases: [unknown, string][] = [
      [{ n: Number.NaN }, '$.n'],
      [{ a: [1, Number.POSITIVE_INFINITY] }, '$.a[1]'],
      [{ a: [undefined] }, '$.a[0]'],
      [{ when: new Date(0) }, '$.when'],
      [{ big: 1n }, '$.big'],
      [{ f: () => 1 }, '$.f'],
      [{ m: new Map() }, '$.m'],
    ];
    for (const [value, path] of cases) {
      expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
      try {
        canonicalJson(value);
      } catch (error) {
        expect((error as CanonicalJsonError).path).toBe(path);
      }
    }
  });
});
