import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.ts';
import { browserAvailable, freePort, launchBrowser, screenshot } from '../helpers/browser.ts';
import { bundlesOf, codeIn, downloadPathIn, fileVerifiedAccess, mailsOf } from '../helpers/exports.ts';
import { findByReference, generousLimits } from '../helpers/intake.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, eventually, type TestRuntime } from '../helpers/test-runtime.ts';

describe.skipIf(!browserAvailable)('a subject downloads their data in Chromium', () => {
  let browser: Browser;
  let rt: TestRuntime;
  let server: RunningServer;
  let baseUrl: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    rt = await createTestRuntime({ env: { ...generousLimits, PUBLIC_URL: baseUrl } });
    server = await startServer(rt, port, '127.0.0.1');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rt?.dispose();
  });

  it('opens the emailed link, asks for a code, enters it, gets the ZIP and opens its index.html', async () => {
    const { reference, id } = await fileVerifiedAccess(rt, 'browser-export@example.org');
    const dpo = await bearerFor(rt, await createStaff(rt, { role: 'dpo' }));
    await request(rt.app)
      .post(`/api/v1/staff/requests/${reference}/approve`)
      .set('Authorization', dpo)
      .send({ version: 2 })
      .expect(200);
    await eventually(async () => (await findByReference(rt.database.db, reference)).status === 'completed');
    const [bundle] = await bundlesOf(rt, id);
    const completion = (await mailsOf(rt, id)).find((m) => /is complete/.test(m.subject))!;
    const link = downloadPathIn(completion.text)!;

    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}${link}`);
    expect(await page.textContent('main')).toContain(reference);
    await screenshot(page, 'export-01-download-page');

    const before = (await mailsOf(rt, id)).length;
    await Promise.all([
      page.waitForURL(`${baseUrl}${link}/code`),
      page.click('button:has-text("Email me a code")'),
    ]);
    expect(await page.textContent('main')).toContain('We have emailed you a code');
    const mail = await eventually(async () => (await mailsOf(rt, id))[before]);
    expect(mail.subject).toMatch(/download code/);
    const code = codeIn(mail.text)!;
    await screenshot(page, 'export-02-code-form');

    await page.fill('#code', code);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Download")'),
    ]);
    expect(download.suggestedFilename()).toBe(`rightsdesk-${reference}.zip`);
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-export-e2e-'));
    const zipFile = path.join(dir, download.suggestedFilename());
    await download.saveAs(zipFile);
    const bytes = readFileSync(zipFile);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(bundle!.sha256);

    // The bundle opens offline: its index.html shows the reference.
    const unpacked = path.join(dir, 'unpacked');
    execFileSync('unzip', ['-q', zipFile, '-d', unpacked]);
    const offline = await context.newPage();
    await offline.goto(pathToFileURL(path.join(unpacked, 'index.html')).href);
    expect(await offline.textContent('body')).toContain(reference);
    // Its stylesheet applies under its own CSP (allowed by hash): the body is held to 72rem.
    expect(await offline.evaluate(() => getComputedStyle(document.body).maxWidth)).toBe('1152px');
    await screenshot(offline, 'export-03-index-html');
    await context.close();
  });
});
