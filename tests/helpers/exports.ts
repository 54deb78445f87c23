import { createHash } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import yauzl from 'yauzl';
import { downloadCodes, exportBundles, outbox } from '../../src/db/schema.ts';
import { findByReference, openPage, postForm } from './intake.ts';
import type { TestRuntime } from './test-runtime.ts';

/** Files an access request and confirms it the way the subject would (the emailed link's API). */
export async function fileVerifiedAccess(rt: TestRuntime, email: string, law = 'gdpr', locale?: string) {
  const res = await request(rt.app).post('/api/v1/requests').send({ type: 'access', law, email, locale });
  if (res.status !== 202) throw new Error(`filing failed: ${res.status} ${res.text}`);
  const row = await findByReference(rt.database.db, res.body.reference);
  const [mail] = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, row.id));
  const token = /\/verify\/([^\s"<]+)/.exec(mail!.text)![1]!;
  await request(rt.app).post('/api/v1/verifications').send({ token }).expect(200);
  return { reference: res.body.reference as string, id: row.id };
}

export const mailsOf = (rt: TestRuntime, requestId: string) =>
  rt.database.db.select().from(outbox).where(eq(outbox.requestId, requestId)).orderBy(asc(outbox.createdAt));

export const bundlesOf = (rt: TestRuntime, requestId: string) =>
  rt.database.db
    .select()
    .from(exportBundles)
    .where(eq(exportBundles.requestId, requestId))
    .orderBy(asc(exportBundles.createdAt));

export const codesOf = (rt: TestRuntime, bundleId: string) =>
  rt.database.db
    .select()
    .from(downloadCodes)
    .where(and(eq(downloadCodes.bundleId, bundleId)))
    .orderBy(asc(downloadCodes.createdAt));

/** The path of the /download link in an email's text. */
export function downloadPathIn(text: string): string | undefined {
  return /https?:\/\/[^/\s]+(\/download\/[\w.-]+)/.exec(text)?.[1];
}

/** The one-time code of a download-code email. */
export function codeIn(text: string): string | undefined {
  return /^(\d{6})$/m.exec(text)?.[1];
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A subject's browser on one download page: keeps its CSRF cookie and posts the page's forms. */
export async function openDownload(app: Express, path: string) {
  const page = await openPage(app, path);
  const browser = { cookie: page.cookie, csrf: page.csrf };
  return {
    page,
    post: (suffix: '' | '/code' | '/copy', fields: Record<string, string> = {}) =>
      postForm(app, `${path}${suffix}`, fields, browser),
    /** POSTs the code and collects the body as bytes (the ZIP, or the page when refused). */
    download: (code: string) =>
      request(app)
        .post(path)
        .type('form')
        .set('Accept', 'text/html')
        .set('Cookie', browser.cookie)
        .send(new URLSearchParams({ _csrf: browser.csrf, code }).toString())
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        }),
  };
}

/** The files of a ZIP held in memory, by name. */
export function unzipBuffer(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error || !archive) return reject(error);
      const files = new Map<string, Buffer>();
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.on('end', () => resolve(files));
      archive.on('error', reject);
      archive.readEntry();
    });
  });
}
