import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogs } from '../../src/i18n/i18n.ts';
import { englishLeaks } from '../helpers/english-leaks.ts';
import {
  bundlesOf,
  codeIn,
  downloadPathIn,
  fileVerifiedAccess,
  mailsOf,
  openDownload,
  unzipBuffer,
} from '../helpers/exports.ts';
import { findByReference, generousLimits, pageText } from '../helpers/intake.ts';
import { bearerFor, createStaff, type StaffAccount } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

// An access request filed in each language, carried out by the real worker: every email, the download
// page and the export bundle's own pages speak the request's language.
const catalogs = loadCatalogs();
let rt: TestRuntime;
let dpo: StaffAccount;

beforeAll(async () => {
  rt = await createTestRuntime({ env: generousLimits });
  dpo = await createStaff(rt, { role: 'dpo' });
});
afterAll(async () => {
  await rt?.dispose();
});

const noEnglish = (locale: string, what: string, text: string, words = true) =>
  expect({ what, leaks: englishLeaks(text, locale, { words }) }).toEqual({ what, leaks: [] });

describe('an access request in each language, to the download', () => {
  it.each(['pl', 'de', 'fr', 'es'])(
    '%s: completion and code emails, download page and bundle pages in that language',
    async (locale) => {
      const t = (key: string) => catalogs[locale]?.[key] ?? '';
      const { reference, id } = await fileVerifiedAccess(rt, `export-${locale}@example.org`, 'gdpr', locale);
      await request(rt.app)
        .post(`/api/v1/staff/requests/${reference}/approve`)
        .set('Authorization', await bearerFor(rt, dpo))
        .send({ version: 2 })
        .expect(200);
      await eventually(async () => (await findByReference(rt.database.db, reference)).status === 'completed');
      expect(await bundlesOf(rt, id)).toHaveLength(1);

      const mails = await mailsOf(rt, id);
      for (const mail of mails) {
        expect(mail.html).toContain(`<html lang="${locale}">`);
        noEnglish(locale, mail.subject, `${mail.subject}\n${mail.text}`);
      }
      const completion = mails.at(-1)!;
      const link = downloadPathIn(completion.text)!;
      // The page opens in a browser that prefers English: the request's language still wins.
      const download = await openDownload(rt.app, link);
      expect(download.page.html).toContain(`<html lang="${locale}">`);
      expect(pageText(download.page.html)).toContain(t('download.title'));
      noEnglish(locale, 'download page', download.page.html);

      const asked = await download.post('/code');
      noEnglish(locale, 'code sent page', asked.text);
      const codeMail = (await mailsOf(rt, id)).at(-1)!;
      noEnglish(locale, 'code email', `${codeMail.subject}\n${codeMail.text}`);
      const wrong = await download.post('', {
        code: '000000' === codeIn(codeMail.text) ? '111111' : '000000',
      });
      expect(wrong.status).toBe(400);
      noEnglish(locale, 'wrong code page', wrong.text);

      const zip = await download.download(codeIn(codeMail.text)!);
      expect(zip.status).toBe(200);
      const files = await unzipBuffer(zip.body as Buffer);
      for (const name of ['index.html', 'about.html']) {
        const html = files.get(name)?.toString('utf8') ?? '';
        expect(html).toContain(`<html lang="${locale}">`);
        // The bundle holds the person's own records too: only our sentences are checked.
        noEnglish(locale, name, html, false);
      }
      expect(files.get('index.html')?.toString('utf8')).toContain(
        t('export.index.title').replace('{org}', rt.config.orgName),
      );
    },
  );
});
