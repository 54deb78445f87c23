import { describe, expect, it } from 'vitest';
import { formatPath, parseSources, SourcesConfigError } from '../../../src/fulfilment/sources-config.ts';
import { thrown } from '../../helpers/thrown.ts';

const valid = `
sources:
  - name: app
    kind: postgres
    url: postgres://app@127.0.0.1:5432/app
    collections:
      - name: accounts
        table: public.accounts
        subject: { emailColumn: email }
        marketingConsentColumn: newsletter
        fields:
          email: { category: contact, erase: { strategy: hash }, rectifiable: true }
          full_name: { category: identity, erase: { strategy: redact, text: "[erased]" }, rectifiable: true }
      - name: invoices
        table: invoices
        subject: { join: { table: accounts, emailColumn: email, key: id, foreignKey: account_id } }
        fields:
          amount: { category: financial, erase: { strategy: retain, basis: "Polish VAT Act art. 112", period: "5 years" } }
  - name: newsletter
    kind: http
    url: https://newsletter.example.org/rightsdesk
    secretEnv: NEWSLETTER_SECRET
    holds: [contact, marketing]
    actions: [access, erase, opt_out]
  - name: rightsdesk
    kind: builtin
`;

const problemOf = (text: string) => thrown(SourcesConfigError, () => parseSources(text));

describe('sources file', () => {
  it('valid YAML with every kind → parsed, with defaults filled in', () => {
    const { sources } = parseSources(valid);
    expect(sources.map((s) => s.kind)).toEqual(['postgres', 'http', 'builtin']);
    const app = sources[0]!;
    if (app.kind !== 'postgres') throw new Error('expected postgres');
    expect(app.collections[0]!.primaryKey).toBe('id');
    expect(app.collections[1]!.fields.amount!.erase).toEqual({
      strategy: 'retain',
      basis: 'Polish VAT Act art. 112',
      period: '5 years',
    });
    const http = sources[1]!;
    expect(http.kind === 'http' && http.timeoutMs).toBe(10_000);
  });

  it('an embedded pglite: URL → accepted for a postgres-kind source (demo and local)', () => {
    const text = valid.replace('postgres://app@127.0.0.1:5432/app', 'pglite:./data/demo-source');
    expect(parseSources(text).sources[0]).toMatchObject({ url: 'pglite:./data/demo-source' });
  });

  it('the same file as JSON → the same result', () => {
    const { sources } = parseSources(valid);
    expect(parseSources(JSON.stringify({ sources })).sources).toEqual(sources);
  });

  it.each([
    [
      'an unknown erase strategy',
      valid.replace('strategy: hash', 'strategy: shred'),
      'sources[0].collections[0].fields.email.erase.strategy',
    ],
    [
      'retain without a basis',
      valid.replace('basis: "Polish VAT Act art. 112", ', ''),
      'sources[0].collections[1].fields.amount.erase.basis',
    ],
    [
      'a table name carrying SQL',
      valid.replace('table: invoices', 'table: "invoices; drop table x"'),
      'sources[0].collections[1].table',
    ],
    [
      'a column name carrying SQL',
      valid.replace('emailColumn: email }\n        marketing', 'emailColumn: "email--" }\n        marketing'),
      'sources[0].collections[0].subject.emailColumn',
    ],
    [
      'an http source without its secret variable',
      valid.replace('    secretEnv: NEWSLETTER_SECRET\n', ''),
      'sources[1].secretEnv',
    ],
    ['an unknown source kind', valid.replace('kind: builtin', 'kind: ftp'), 'sources[2].kind'],
    [
      'an unknown key (a typo)',
      valid.replace('marketingConsentColumn', 'marketingConsentColum'),
      'sources[0].collections[0]',
    ],
    ['two sources with one name', valid.replace('name: rightsdesk', 'name: app'), 'sources[2].name'],
    [
      'a row deleted while one of its fields is retained',
      valid.replace(
        '          amount: {',
        '          note: { category: other, erase: { strategy: delete } }\n          amount: {',
      ),
      'sources[0].collections[1].fields.note.erase.strategy',
    ],
    [
      'a URL that is neither postgres nor pglite',
      valid.replace('postgres://app@', 'mysql://app@'),
      'sources[0].url',
    ],
  ])('%s → an error naming %s', (_label, text, path) => {
    const error = problemOf(text);
    expect(error.path).toBe(path);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });

  it('not YAML at all → a clear error about the file', () => {
    expect(problemOf('sources: [ {').path).toBe('(file)');
  });

  it('an empty file → an error naming sources', () => {
    expect(problemOf('').path).toBe('sources');
  });

  it('formatPath → brackets for indexes, dots for keys', () => {
    expect(formatPath(['sources', 2, 'collections', 0, 'fields', 'email', 'erase'])).toBe(
      'sources[2].collections[0].fields.email.erase',
    );
  });
});
