import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { collectedRecords, fulfilmentTasks, requests } from '../../src/db/schema.ts';
import { buildBundle } from '../../src/exports/bundle-builder.ts';
import { formatReport, UnreadableBundleError, verifyBundle } from '../../src/exports/export-verify.ts';
import type { BuiltBundle } from '../../src/exports/exports-contract.ts';
import { createFileStore } from '../../src/exports/file-store.ts';
import { runCli } from '../helpers/cli.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let rt: TestRuntime;
let built: BuiltBundle;
let good: string;
let entries: Map<string, Buffer>;
const dir = mkdtempSync(path.join(tmpdir(), 'rd-verify-'));
const now = new Date('2026-11-20T10:30:00.000Z');

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false });
  const db = rt.database.db;
  const [request] = await db
    .insert(requests)
    .values({
      reference: 'RD-VRFY-0001',
      type: 'access',
      law: 'ccpa',
      status: 'processing',
      subjectEmail: 'zoe@example.org',
      receivedAt: now,
      timeZone: 'America/Los_Angeles',
      receivedOn: '2026-11-20',
    })
    .returning();
  const [task] = await db
    .insert(fulfilmentTasks)
    .values({ requestId: request!.id, source: 'product', action: 'access', status: 'done' })
    .returning();
  await db.insert(collectedRecords).values(
    Array.from({ length: 300 }, (_, i) => ({
      taskId: task!.id,
      collection: i % 2 ? 'accounts' : 'orders',
      data: { id: i, name: 'Zoë Łukasiewicz', note: `note ${i} `.repeat(20) },
    })),
  );
  const store = createFileStore(rt.config.dataDir, rt.config.secretKey);
  built = await buildBundle(
    { db, config: rt.config, i18n: rt.i18n, store, logger: rt.logger, now: () => now },
    request!,
    [task!],
  );
  good = path.join(dir, 'good.zip');
  await pipeline(store.read(built.storageKey, built.keyId), createWriteStream(good));
  entries = await readZip(good);
});
afterAll(async () => {
  await rt?.dispose();
});

function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** A new ZIP from `files` (in order), compressed or stored. */
async function writeZip(name: string, files: Map<string, Buffer>, compress = true): Promise<string> {
  const file = path.join(dir, name);
  const zip = new ZipFile();
  for (const [entry, body] of files) zip.addBuffer(body, entry, { compress, mtime: now });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
  return file;
}

const changed = (edit: (files: Map<string, Buffer>) => void) => {
  const copy = new Map(entries);
  edit(copy);
  return copy;
};

const cli = (...args: string[]) => runCli(['export', 'verify', ...args]);

describe(`rightsdesk export verify (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('a bundle as built: exit 0 with a short report', () => {
    const { status, stdout, stderr } = cli(good);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('bundle RD-VRFY-0001 (ccpa, en, generated 2026-11-20T10:30:00.000Z)');
    expect(stdout).toContain(`zip sha256 ${built.sha256} (${built.size} bytes)`);
    expect(stdout).toMatch(/^ok: 6 files match the manifest$/m);
  });

  it('--json for machines; --sha256 compares the whole ZIP with what was recorded', () => {
    const { status, stdout } = cli(good, '--json', '--sha256', built.sha256.toUpperCase());
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: true, sha256: built.sha256, size: built.size, sha256Matches: true });
    expect(report.files.map((f: { path: string; status: string }) => `${f.path}:${f.status}`)).toEqual(
      built.manifest.files.map((f) => `${f.path}:ok`),
    );
    const other = cli(good, '--sha256', '0'.repeat(64));
    expect(other.status).toBe(1);
    expect(other.stdout).toContain('MISMATCH  the ZIP file is not the one expected (--sha256)');
    expect(cli(good, '--sha256', 'nothex').status).toBe(2);
  });

  it('a file whose content was changed: exit 1 naming it', async () => {
    const file = await writeZip(
      'changed.zip',
      changed((files) => {
        const data = Buffer.from(files.get('data.json')!);
        data[data.indexOf('Zo')] = 'X'.charCodeAt(0);
        files.set('data.json', data);
      }),
    );
    const { status, stdout } = cli(file);
    expect(status).toBe(1);
    expect(stdout).toContain('MISMATCH  data.json: SHA-256 differs from the manifest');
    expect(stdout).toMatch(/^FAILED: 1 of 6 files do not match/m);
  });

  it('one byte flipped inside the raw ZIP: exit 1', async () => {
    // Stored (uncompressed) so the flipped byte is known to be inside data.json's bytes.
    const stored = await writeZip('stored.zip', entries, false);
    expect((await verifyBundle(stored)).ok).toBe(true);
    const raw = readFileSync(stored);
    const at = raw.indexOf('\n"sources": {'); // data.json's, not about.json's
    raw[at + 3] = raw[at + 3]! ^ 0x20;
    const flipped = path.join(dir, 'flipped.zip');
    writeFileSync(flipped, raw);
    const { status, stdout } = cli(flipped);
    expect(status).toBe(1);
    expect(stdout).toContain('MISMATCH  data.json');
    // A flipped byte inside compressed data: a mismatch or an unreadable entry, never ok.
    const compressed = readFileSync(good);
    const third = Math.floor(compressed.length / 3);
    compressed[third] = compressed[third]! ^ 0x55;
    const damaged = path.join(dir, 'damaged.zip');
    writeFileSync(damaged, compressed);
    const report = await verifyBundle(damaged);
    expect(report.ok).toBe(false);
    expect(report.files.some((f) => f.status !== 'ok')).toBe(true);
  });

  it('an edited manifest, a missing file, an unlisted file, no manifest: not ok', async () => {
    const report = async (name: string, edit: (files: Map<string, Buffer>) => void) => {
      const result = await verifyBundle(await writeZip(name, changed(edit)));
      expect(result.ok).toBe(false);
      return { ...result, text: formatReport(result) };
    };
    const manifest = JSON.parse(entries.get('manifest.json')!.toString());
    manifest.files[0].size += 1;
    const edited = await report('edited.zip', (f) =>
      f.set('manifest.json', Buffer.from(JSON.stringify(manifest))),
    );
    expect(edited.text).toContain('MISMATCH  index.html: size differs from the manifest');

    const missing = await report('missing.zip', (f) => f.delete('about.json'));
    expect(missing.files).toContainEqual(expect.objectContaining({ path: 'about.json', status: 'missing' }));
    expect(missing.text).toContain('MISMATCH  about.json: listed in the manifest but not in the ZIP');

    const extra = await report('extra.zip', (f) => f.set('evil.html', Buffer.from('<script>')));
    expect(extra.unlisted).toEqual(['evil.html']);
    expect(extra.text).toContain('UNLISTED  evil.html');

    const none = await report('none.zip', (f) => f.delete('manifest.json'));
    expect(none.text).toContain('PROBLEM   manifest.json is missing');

    const garbage = await report('garbage.zip', (f) => f.set('manifest.json', Buffer.from('{"files": 1}')));
    expect(garbage.text).toMatch(/manifest.json is not a bundle manifest/);
    const notJson = await report('notjson.zip', (f) => f.set('manifest.json', Buffer.from('{')));
    expect(notJson.problems).toEqual(['manifest.json is not valid JSON']);
  });

  it('duplicate entries are a problem (unzip tools would pick one)', async () => {
    const file = path.join(dir, 'dup.zip');
    const zip = new ZipFile();
    for (const [entry, body] of entries) zip.addBuffer(body, entry, { mtime: now });
    zip.addBuffer(Buffer.from('other'), 'index.html', { mtime: now });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(file));
    const report = await verifyBundle(file);
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('index.html appears more than once in the ZIP');
  });

  it('unreadable input: exit 2', async () => {
    const notZip = path.join(dir, 'not.zip');
    writeFileSync(notZip, 'this is not a zip file at all');
    const a = cli(notZip);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/cannot read .* as a ZIP/);
    const b = cli(path.join(dir, 'nonexistent.zip'), '--json');
    expect(b.status).toBe(2);
    expect(JSON.parse(b.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(/ENOENT/) });
    // The encrypted file as stored is not a ZIP either.
    await expect(verifyBundle(path.join(rt.config.dataDir, built.storageKey))).rejects.toBeInstanceOf(
      UnreadableBundleError,
    );
  });
});
