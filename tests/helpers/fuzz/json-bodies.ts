import fc from 'fast-check';
import { hostileKey, hostileString } from './hostile.ts';

/*
 * JSON request bodies as text, not as values, so they can carry what JSON.stringify never writes:
 * duplicate keys, `__proto__` as an own key, 1e309, -0, deep nesting and plain syntax errors.
 */

// Number literals JSON.parse accepts but JavaScript handles oddly (Infinity, -0, lost precision).
const numberLiterals = [
  '1e309',
  '-1e309',
  '-0',
  '0.0',
  '1E400',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '-1',
  '0',
  '1',
  '2',
  '1.5',
  '2147483648',
];

const jsonScalar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.constantFrom(...numberLiterals) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
);

/** Any JSON value as text, nested a few levels, objects possibly with duplicate or prototype keys. */
export const jsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>(
  (tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, jsonScalar, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    object: fc
      .array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  }),
).value;

/** Plausible values for a JSON body's fields, as JSON texts. */
export type JsonShape = Record<string, fc.Arbitrary<string>>;

export const jsonString = (...values: string[]) => fc.constantFrom(...values).map((v) => JSON.stringify(v));

const fieldVariant = (plausible: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: plausible.map((v) => [v]) },
    { weight: 3, arbitrary: jsonValue.map((v) => [v]) },
    { weight: 1, arbitrary: plausible.map((v) => [`[${v}]`]) },
    { weight: 1, arbitrary: fc.tuple(plausible, jsonValue).map(([a, b]) => [a, b]) },
    { weight: 2, arbitrary: fc.constant([] as string[]) },
  );

/** An object of the endpoint's fields, each plausible, hostile, wrapped, duplicated or left out, plus extras. */
export function shapedJson(shape: JsonShape): fc.Arbitrary<string> {
  const names = Object.keys(shape);
  return fc
    .tuple(
      fc.tuple(...names.map((n) => fieldVariant(shape[n]!))),
      fc.array(fc.tuple(hostileKey, jsonValue), { maxLength: 2 }),
    )
    .map(([values, extras]) => {
      const entries = names.flatMap((n, i) => values[i]!.map((v) => `${JSON.stringify(n)}:${v}`));
      entries.push(...extras.map(([k, v]) => `${JSON.stringify(k)}:${v}`));
      return `{${entries.join(',')}}`;
    });
}

/** Broken JSON: cut short, trailing commas, single quotes, comments, two documents, a BOM. */
const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":undefined}',
    '{"a":1}{"b":2}',
    '{"a":1} // comment',
    '\ufeff{"a":1}',
    '{"a":"\\x41"}',
    '{"a":"\\ud800"}',
    '{"a":01}',
    '[1,2',
    '',
    ' ',
    'null',
    '"just a string"',
    '42',
    'true',
  ),
  jsonValue.chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n))),
);

/** Nested far deeper than any schema: arrays or objects, up to 30 000 levels (still under 64 kB). */
const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(100, 5_000, 30_000), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Just under and over the 64 kB body limit. */
const hugeJson: fc.Arbitrary<string> = fc
  .constantFrom(65_000, 65_600, 70_000, 400_000)
  .map((n) => `{"x":${JSON.stringify('a'.repeat(n))}}`);

/**
 * Every field plausible, then at most one thing wrong: a field hostile, missing, wrapped in an array or
 * given twice, or one key too many. These get past the first check, into validation and the service.
 */
export function nearValidJson(shape: JsonShape): fc.Arbitrary<string> {
  const names = Object.keys(shape);
  if (names.length === 0) return fc.constant('{}');
  const plausible = fc.tuple(...names.map((n) => shape[n]!));
  const mutation = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constantFrom('hostile' as const, 'drop' as const, 'wrap' as const, 'twice' as const),
        at: fc.nat({ max: names.length - 1 }),
        value: jsonValue,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('extra' as const), key: hostileKey, value: jsonValue }),
    },
  );
  return fc.tuple(plausible, mutation).map(([values, m]) => {
    const entries = names.map((n, i) => [JSON.stringify(n), values[i]!] as [string, string]);
    if (m.kind === 'hostile') entries[m.at]![1] = m.value;
    if (m.kind === 'wrap') entries[m.at]![1] = `[${entries[m.at]![1]}]`;
    if (m.kind === 'twice') entries.push([entries[m.at]![0], m.value]);
    if (m.kind === 'drop') entries.splice(m.at, 1);
    if (m.kind === 'extra') entries.push([JSON.stringify(m.key), m.value]);
    return `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;
  });
}

/** A JSON request body for an endpoint of this shape, from plausible to plainly broken. */
export function jsonBody(shape: JsonShape): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: nearValidJson(shape) },
    { weight: 4, arbitrary: shapedJson(shape) },
    { weight: 2, arbitrary: jsonValue },
    { weight: 2, arbitrary: malformedJson },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: hugeJson },
  );
}

/** Content-Type (and sometimes Content-Encoding) for a body meant to be JSON. */
export const jsonTransport: fc.Arbitrary<{ contentType?: string; encoding?: string }> = fc.oneof(
  { weight: 24, arbitrary: fc.constant({ contentType: 'application/json' }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      { contentType: 'application/json; charset=utf-8' },
      { contentType: 'application/problem+json' },
      { contentType: 'application/json; charset=utf-16' },
      { contentType: 'application/json; charset=iso-8859-1' },
      { contentType: 'text/plain' },
      { contentType: 'application/x-www-form-urlencoded' },
      { contentType: 'multipart/form-data; boundary=x' },
      { contentType: 'application/xml' },
      { contentType: 'application/octet-stream' },
      { contentType: ';;;' },
      {},
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { contentType: 'application/json', encoding: 'gzip' },
      { contentType: 'application/json', encoding: 'deflate' },
      { contentType: 'application/json', encoding: 'br' },
      { contentType: 'application/json', encoding: 'compress' },
    ),
  },
);
