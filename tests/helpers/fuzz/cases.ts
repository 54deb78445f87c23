import fc from 'fast-check';
import type { Sent } from './client.ts';
import {
  acceptHeader,
  encodeSegment,
  type FormShape,
  formBody,
  formTransport,
  queryString,
} from './form-bodies.ts';
import { hostileString } from './hostile.ts';
import { type JsonShape, jsonBody, jsonTransport } from './json-bodies.ts';

/*
 * Whole requests for the fuzz: a path (with its fuzzed segments), a body and the headers that
 * decide how it is read. Headers given as an arbitrary (Authorization, Cookie) are merged last.
 */

export type Headers = Record<string, string | undefined>;
const none: fc.Arbitrary<Headers> = fc.constant({});

/** A JSON API call: plausible-to-broken body, content types and encodings, any Accept. */
export function jsonCase(
  method: 'POST' | 'PUT',
  path: fc.Arbitrary<string>,
  shape: JsonShape,
  headers: fc.Arbitrary<Headers> = none,
  body: fc.Arbitrary<string> = jsonBody(shape),
): fc.Arbitrary<Sent> {
  return fc
    .record({ path, body, transport: jsonTransport, accept: acceptHeader, extra: headers })
    .map(({ path, body, transport, accept, extra }) => ({
      method,
      path,
      body,
      headers: {
        'content-type': transport.contentType,
        'content-encoding': transport.encoding,
        accept,
        ...extra,
      },
    }));
}

/** A GET with a fuzzed query string. */
export function getCase(
  path: fc.Arbitrary<string>,
  query: FormShape = {},
  headers: fc.Arbitrary<Headers> = none,
): fc.Arbitrary<Sent> {
  return fc
    .record({ path, query: queryString(query), accept: acceptHeader, extra: headers })
    .map(({ path, query, accept, extra }) => ({
      method: 'GET',
      path: query ? `${path}?${query}` : path,
      headers: { accept, ...extra },
    }));
}

/**
 * A browser form post. `headers` carries the browser's cookies and `csrf` the hidden field: the
 * form's own token most of the time (so the fuzz gets past it to validation), else none or a wrong one.
 */
export function formCase(
  path: fc.Arbitrary<string>,
  shape: FormShape,
  browser: fc.Arbitrary<{ headers: Headers; csrf: string | undefined }>,
): fc.Arbitrary<Sent> {
  const token = (real: string | undefined) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(real) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: hostileString.filter((s) => s.length < 200) },
    );
  return fc
    .record({ path, body: formBody(shape), transport: formTransport, accept: acceptHeader, browser })
    .chain((c) => token(c.browser.csrf).map((csrf) => ({ ...c, csrf })))
    .map(({ path, body, transport, accept, browser, csrf }) => ({
      method: 'POST',
      path,
      // The token goes first: a repeated field or a hostile `_csrf` in the body then makes it a list.
      body: csrf === undefined ? body : `_csrf=${encodeSegment(csrf)}${body ? `&${body}` : ''}`,
      headers: {
        'content-type': transport.contentType,
        'content-encoding': transport.encoding,
        accept,
        ...browser.headers,
      },
    }));
}

/** A plausible string among the given ones (form fields, query parameters). */
export const oneOf = (...values: string[]) => fc.constantFrom(...values);

/** `Authorization` values: mostly the real one, else missing, malformed or forged. */
export function authorization(real: string, forged: readonly string[] = []): fc.Arbitrary<Headers> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant({ authorization: real }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          undefined,
          'Bearer',
          'Bearer ',
          'Basic YWRtaW46YWRtaW4=',
          'bearer abc',
          `${real}x`,
          `${real.slice(0, -3)}AAA`,
          'Bearer eyJhbGciOiJub25lIn0.eyJwdXJwb3NlIjoic3RhZmYifQ.',
          `Bearer ${'a'.repeat(9000)}`,
          ...forged,
        )
        .map((authorization) => ({ authorization })),
    },
  );
}
