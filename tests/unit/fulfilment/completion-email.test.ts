import { describe, expect, it } from 'vitest';
import type { FulfilmentTaskRow, RequestRow } from '../../../src/db/schema.ts';
import { completionEmail, keptLines } from '../../../src/fulfilment/completion-email.ts';
import type { Receipt } from '../../../src/fulfilment/connector.ts';
import { createI18n } from '../../../src/i18n/i18n.ts';

const tax = { basis: 'Tax law: invoices are kept 5 years', period: '5 years' };
const receipt: Receipt = {
  collections: [
    { collection: 'accounts', found: 1, masked: 1 },
    { collection: 'sessions', found: 3, deleted: 3 },
    { collection: 'invoices', found: 2, retained: 2 },
  ],
  fields: [
    { collection: 'accounts', field: 'email', category: 'contact', outcome: 'hash', rows: 1 },
    { collection: 'invoices', field: 'number', category: 'financial', outcome: 'retain', rows: 2, ...tax },
    { collection: 'invoices', field: 'amount', category: 'financial', outcome: 'retain', rows: 2, ...tax },
    { collection: 'projects', field: 'title', category: 'content', outcome: 'retain', rows: 0, ...tax },
  ],
  summary: 'irrelevant',
};
const task = (source: string, r: Receipt | null) => ({ source, receipt: r }) as unknown as FulfilmentTaskRow;
const request = {
  id: 'r1',
  reference: 'RD-2222-3333',
  type: 'erase',
  locale: 'en',
  subjectEmail: 'ada@example.com',
  subjectName: 'Ada',
} as RequestRow;

describe('completion email', () => {
  it('retained fields → one line per collection and basis, naming the fields; rows 0 left out', () => {
    expect(keptLines([task('app', receipt)])).toEqual([
      'app.invoices (number, amount): Tax law: invoices are kept 5 years — 5 years',
    ]);
  });

  it('erase receipt → counts per source in words, what was kept and why, and the status link', () => {
    const mail = completionEmail(
      { i18n: createI18n(), orgName: 'Acme', statusUrl: 'http://x/status/t' },
      request,
      [task('app', receipt)],
    );
    expect(mail.to).toBe('ada@example.com');
    expect(mail.subject).toBe('Your request RD-2222-3333 is complete');
    expect(mail.text).toContain(
      'app: records found: 6, deleted: 3, anonymised: 1, kept under a legal obligation: 2',
    );
    expect(mail.text).toContain('What we kept, and why:');
    expect(mail.text).toContain('http://x/status/t');
  });

  it('nothing kept → no "kept" paragraph at all', () => {
    const plain: Receipt = {
      collections: [{ collection: 'a', found: 1, deleted: 1 }],
      fields: [],
      summary: '',
    };
    const mail = completionEmail({ i18n: createI18n(), orgName: 'Acme', statusUrl: 'http://x/s' }, request, [
      task('app', plain),
    ]);
    expect(mail.text).not.toContain('What we kept');
  });
});
