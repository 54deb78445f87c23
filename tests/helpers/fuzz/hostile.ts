import fc from 'fast-check';

/*
 * Hostile strings and object keys for the fuzz tests: SQL and HTML payloads, odd Unicode (NUL, lone
 * surrogates, RTL overrides, combining marks, emoji, U+2028), number-like and path-like text, and
 * strings past every length limit.
 */

/** Unique enough to search a page for: an HTML page echoing it raw would run attacker markup. */
export const xssMarker = '<rd-xss-probe onclick=1>';

const sqlPayloads = [
  "' OR '1'='1",
  "'; drop table requests; --",
  '1; select pg_sleep(0)--',
  "admin'--",
  '" OR ""="',
  '\\',
  "'||(select version())||'",
  '%27%20OR%201%3D1',
];
const htmlPayloads = [
  xssMarker,
  `"><${xssMarker.slice(1)}`,
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{constructor.constructor("return process")()}}',
  '{{{body}}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose.
  '${7*7}',
  '<!--',
  ']]>',
];
const oddUnicode = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u202eevil\u202c',
  '\u200f\u200e',
  'e\u0301\u0301\u0301\u0301',
  'Z̸̡̢̛̗̘̙̜̝̞̟̠̣̤̥̦̩̪̫̬̭̮̯̰̱̲̳̹̺̻̼͇͈͉͍͎̀́̂̃̄̅̆̇̈̉̊̋̌̍̎̏̐̑̒̓̔̽̾̿̀́͂̓̈́͆͊͋͌̕̚ͅ',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\uffff',
  '\t\r\n',
  '\u0085',
  '\u00a0',
  'İ',
  'ß',
  'ﬀ',
  'Ⅻ',
  '١٢٣',
];
const numberLike = [
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1_000',
  '  7 ',
  '9'.repeat(400),
  '-1',
  '0',
];
const pathLike = ['../../etc/passwd', '..%2F..%2F', '/', '//evil.example', '%00', '.', '..', 'con', 'nul'];
const plain = ['', ' ', 'null', 'undefined', 'true', '[]', '{}', '__proto__', 'constructor', 'prototype'];

export const hostileConstants: readonly string[] = [
  ...sqlPayloads,
  ...htmlPayloads,
  ...oddUnicode,
  ...numberLike,
  ...pathLike,
  ...plain,
];

const surrogateOrControl = fc.oneof(
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u007f', '\u0085', '\u2028', '\u2029', '\u202e', '\u200b', '\u0301'),
);

/** Past every field limit (5000, 10 000) and, at 70 000, past the 64 kB body limit as well. */
const longString = fc
  .tuple(
    fc.constantFrom(255, 1001, 5001, 10_001, 20_000, 70_000),
    fc.constantFrom('a', 'é', '😀', '\u0000', '<'),
  )
  .map(([n, c]) => c.repeat(n));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...hostileConstants) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: surrogateOrControl, minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 24 }) },
  { weight: 1, arbitrary: longString },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...hostileConstants), fc.string({ maxLength: 8 }))
      .map(([a, b]) => `${b}${a}${b}`),
  },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '_csrf'),
  fc.constantFrom('', ' ', 'a.b', 'a[b]', '0', '$where', '$gt'),
  fc.string({ maxLength: 12 }),
);
