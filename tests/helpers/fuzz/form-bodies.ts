import fc from 'fast-check';
import { hostileKey, hostileString } from './hostile.ts';

/** Urlencoded forms, path segments, query strings and Accept headers for the fuzz tests. */

/** Plausible values of a form's fields (strings). */
export type FormShape = Record<string, fc.Arbitrary<string>>;

export type FormEntry = [name: string, value: string];

const bracketName = (name: string) =>
  fc.constantFrom(`${name}[]`, `${name}[0]`, `${name}[a][b]`, `${name}.x`);

const formFieldVariant = (name: string, plausible: fc.Arbitrary<string>): fc.Arbitrary<FormEntry[]> =>
  fc.oneof(
    { weight: 6, arbitrary: plausible.map((v): FormEntry[] => [[name, v]]) },
    { weight: 3, arbitrary: hostileString.map((v): FormEntry[] => [[name, v]]) },
    {
      weight: 1,
      arbitrary: fc.tuple(plausible, hostileString).map(([a, b]): FormEntry[] => [
        [name, a],
        [name, b],
      ]),
    },
    { weight: 1, arbitrary: fc.tuple(bracketName(name), plausible).map(([n, v]): FormEntry[] => [[n, v]]) },
    { weight: 2, arbitrary: fc.constant([] as FormEntry[]) },
  );

/** The form's fields, each plausible, hostile, repeated, in bracket syntax or left out, plus extras. */
export function formEntries(shape: FormShape): fc.Arbitrary<FormEntry[]> {
  const names = Object.keys(shape);
  return fc
    .tuple(
      fc.tuple(...names.map((n) => formFieldVariant(n, shape[n]!))),
      fc.array(fc.tuple(hostileKey, hostileString), { maxLength: 2 }),
    )
    .map(([values, extras]) => [...values.flat(), ...extras]);
}

/** Percent sequences that do not decode (or decode to something odd), sent as they are. */
export const rawPercent = [
  '%',
  '%%',
  '%E0%A4%A',
  '%ED%A0%80',
  '%FF',
  '%C0%AF',
  '%u0041',
  '%00',
  '%0A',
  '%2e%2e',
];

/** urlencoded text for entries; `raw` appends a fragment that is not valid percent-encoding. */
export function encodeForm(entries: readonly FormEntry[], raw?: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of entries) params.append(name, value);
  const text = params.toString();
  return raw === undefined ? text : `${text}${text ? '&' : ''}x=${raw}&${raw}=1`;
}

/** A form body: the entries, now and then with broken percent-encoding or far too many fields. */
export function formBody(shape: FormShape): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: formEntries(shape).map((e) => encodeForm(e)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(formEntries(shape), fc.constantFrom(...rawPercent))
        .map(([e, raw]) => encodeForm(e, raw)),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(199, 201, 1000)
        .map((n) => Array.from({ length: n }, (_, i) => `f${i}=${i}`).join('&')),
    },
    { weight: 1, arbitrary: fc.constantFrom(70_000, 200_000).map((n) => `details=${'a'.repeat(n)}`) },
  );
}

export const formTransport: fc.Arbitrary<{ contentType?: string; encoding?: string }> = fc.oneof(
  { weight: 24, arbitrary: fc.constant({ contentType: 'application/x-www-form-urlencoded' }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      { contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
      { contentType: 'application/x-www-form-urlencoded; charset=koi8-r' },
      { contentType: 'application/x-www-form-urlencoded; charset=utf-7' },
      { contentType: 'application/json' },
      { contentType: 'text/plain' },
      { contentType: 'multipart/form-data; boundary=x' },
      {},
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { contentType: 'application/x-www-form-urlencoded', encoding: 'gzip' },
      { contentType: 'application/x-www-form-urlencoded', encoding: 'deflate' },
    ),
  },
);

/** encodeURIComponent that survives lone surrogates (sent as their CESU-8 bytes, which never decode). */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value]
      .map((ch) => {
        const code = ch.charCodeAt(0);
        if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
          const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
          return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        }
        return encodeURIComponent(ch);
      })
      .join('');
  }
}

/** A path segment: one of the given ones (real tokens, references) or a hostile one. */
export function segment(pool: readonly string[]): fc.Arbitrary<string> {
  const real = pool.length > 0 ? [{ weight: 5, arbitrary: fc.constantFrom(...pool) }] : [];
  return fc.oneof(
    ...real,
    // Encoded under 6 kB, like the query string: longer heads are refused by Node before the app (431).
    { weight: 3, arbitrary: hostileString.map(encodeSegment).filter((s) => s.length < 6000) },
    { weight: 1, arbitrary: fc.constantFrom(...rawPercent) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...(pool.length > 0 ? pool : ['x'])).map((s) => `${s}${s.slice(0, 5)}`),
    },
  );
}

/**
 * A query string over the given parameters: plausible, hostile, repeated, bracketed, broken. Kept under
 * 6 kB: Node itself answers longer request heads with 431, before the app sees them.
 */
export function queryString(params: FormShape): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 1, arbitrary: fc.constant('') },
      { weight: 8, arbitrary: formEntries(params).map((e) => encodeForm(e)) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(formEntries(params), fc.constantFrom(...rawPercent))
          .map(([e, r]) => encodeForm(e, r)),
      },
    )
    .map((q) => (q.length > 6000 ? q.slice(0, 6000).replace(/%[0-9A-Fa-f]?$/, '') : q));
}

/** Accept headers: a browser's, an API client's, or odd ones. */
export const acceptHeader = fc.constantFrom(
  'text/html',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'application/json',
  'application/problem+json',
  '*/*',
  'image/png',
  ';;q=x',
  '',
);
