import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { Config } from '../../src/config.ts';
import { collectedRecords, fulfilmentTasks, type RequestRow, requests } from '../../src/db/schema.ts';
import { buildBundle } from '../../src/exports/bundle-builder.ts';
import type { BuildDeps, BuiltBundle, BundleStore, Manifest } from '../../src/exports/exports-contract.ts';
import { createFileStore } from '../../src/exports/file-store.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let rt: TestRuntime;
let store: BundleStore;
const now = new Date('2026-11-20T10:30:00.000Z');

beforeAll(async () => {
  rt = await createTestRuntime({ worker: false });
  store = createFileStore(rt.config.dataDir, rt.config.secretKey);
});
afterAll(async () => {
  await rt?.dispose();
});

const deps = (overrides: Partial<BuildDeps> = {}): BuildDeps => ({
  db: rt.database.db,
  config: rt.config,
  i18n: rt.i18n,
  store,
  logger: rt.logger,
  now: () => now,
  ...overrides,
});

const hostile = {
  id: 1,
  email: 'zoe@example.org',
  display_name: 'Zoë Łukasiewicz',
  bio: 'Hello, "world"\nsecond line 🙂',
  formula: "=cmd|' /C calc'!A0",
  html: '<script>alert(1)</script>',
  address: { street: 'Main, 1', city: 'Kraków' },
  score: -5,
  '<img src=x onerror=alert(1)>': 'key is hostile',
};

let n = 0;
async function seed(
  records: Record<string, Record<string, Record<string, unknown>[]>>,
  receipts: Record<string, Record<string, unknown>> = {},
) {
  n++;
  const db = rt.database.db;
  const [request] = await db
    .insert(requests)
    .values({
      reference: `RD-TEST-${String(n).padStart(4, '0')}`,
      type: 'access',
      law: 'gdpr',
      status: 'processing',
      locale: 'en',
      subjectEmail: 'zoe@example.org',
      subjectName: 'Zoë Łukasiewicz',
      receivedAt: now,
      timeZone: 'Europe/Warsaw',
      receivedOn: '2026-11-20',
    })
    .returning();
  const tasks = [];
  for (const [source, collections] of Object.entries(records)) {
    const receipt = receipts[source] ?? {
      collections: Object.entries(collections).map(([collection, rows]) => ({
        collection,
        found: rows.length,
      })),
      fields: [],
      summary: `${source} summary`,
    };
    const [task] = await db
      .insert(fulfilmentTasks)
      .values({ requestId: request!.id, source, action: 'access', status: 'done', receipt })
      .returning();
    tasks.push(task!);
    for (const [collection, rows] of Object.entries(collections)) {
      for (let i = 0; i < rows.length; i += 500) {
        await db
          .insert(collectedRecords)
          .values(rows.slice(i, i + 500).map((data) => ({ taskId: task!.id, collection, data })));
      }
    }
  }
  return { request: request as RequestRow, tasks };
}

async function decryptTo(built: BuiltBundle): Promise<string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-bundle-')), 'bundle.zip');
  await pipeline(store.read(built.storageKey, built.keyId), createWriteStream(file));
  return file;
}

/** The ZIP's entries in order, read with yauzl. */
function unzip(file: string): Promise<{ names: string[]; files: Map<string, Buffer> }> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const names: string[] = [];
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve({ names, files }));
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
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

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const text = (files: Map<string, Buffer>, name: string) => files.get(name)!.toString('utf8');

describe(`export bundle (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  const orders = Array.from({ length: 2345 }, (_, i) => ({
    id: i + 1,
    amount_cents: i * 10,
    note: `order ${i + 1}`,
  }));
  let built: BuiltBundle;
  let zipFile: string;
  let names: string[];
  let files: Map<string, Buffer>;
  let request: RequestRow;

  beforeAll(async () => {
    const seeded = await seed(
      {
        product: { accounts: [hostile], orders, 'we ird/../name': [{ x: 1 }] },
        newsletter: {
          subscriptions: [
            { list: 'news', since: '2024-01-01' },
            { list: 'offers', topic: 'shoes' },
          ],
        },
        rightsdesk: {},
      },
      {
        rightsdesk: {
          collections: [{ collection: 'emails', found: 0 }],
          fields: [],
          summary: '0 records found',
        },
      },
    );
    request = seeded.request;
    // Tasks in any order: the bundle sorts sources by name.
    built = await buildBundle(deps(), request, seeded.tasks.reverse());
    zipFile = await decryptTo(built);
    ({ names, files } = await unzip(zipFile));
  });

  it('lays the files out in order, manifest last, under safe paths', () => {
    expect(names).toEqual([
      'index.html',
      'about.html',
      'about.json',
      'data.json',
      'csv/newsletter/subscriptions.csv',
      'csv/product/accounts.csv',
      'csv/product/orders.csv',
      'csv/product/we_ird_.._name.csv',
      'manifest.json',
    ]);
    expect(built.storageKey).toMatch(new RegExp(`^exports/${request.id}/[0-9a-f-]{36}\\.zip\\.enc$`));
  });

  it('manifest.json lists every other file with its size and SHA-256; the result has the ZIP’s', () => {
    const manifest = JSON.parse(text(files, 'manifest.json')) as Manifest;
    expect(manifest).toEqual(built.manifest);
    expect(manifest).toMatchObject({
      format: 'rightsdesk-export/1',
      reference: request.reference,
      law: 'gdpr',
      type: 'access',
      locale: 'en',
      generatedAt: now.toISOString(),
    });
    expect(manifest.files.map((f) => f.path)).toEqual(names.filter((name) => name !== 'manifest.json'));
    for (const f of manifest.files) {
      expect(f.size).toBe(files.get(f.path)!.length);
      expect(f.sha256).toBe(sha256(files.get(f.path)!));
    }
    const zip = readFileSync(zipFile);
    expect(built.size).toBe(zip.length);
    expect(built.sha256).toBe(sha256(zip));
  });

  it('the system unzip accepts it (CRCs, structure)', () => {
    const result = spawnSync('unzip', ['-tq', zipFile], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/No errors detected/);
    expect(result.status).toBe(0);
  });

  it('data.json holds everything by source and collection, rows in order', () => {
    const data = JSON.parse(text(files, 'data.json'));
    expect(Object.keys(data)).toEqual(['reference', 'law', 'generatedAt', 'sources']);
    expect(data.reference).toBe(request.reference);
    expect(Object.keys(data.sources)).toEqual(['newsletter', 'product', 'rightsdesk']);
    expect(data.sources.product.accounts).toEqual([hostile]);
    expect(data.sources.product.orders).toEqual(orders);
    expect(data.sources.product['we ird/../name']).toEqual([{ x: 1 }]);
    expect(data.sources.newsletter.subscriptions).toHaveLength(2);
    expect(data.sources.rightsdesk).toEqual({ emails: [] });
  });

  it('CSV: BOM, sorted union header, RFC 4180 quoting, Unicode, JSON for nested values, formulas defused', () => {
    const subs = text(files, 'csv/newsletter/subscriptions.csv');
    expect(subs).toBe('\uFEFFlist,since,topic\r\nnews,2024-01-01,\r\noffers,,shoes\r\n');
    const accounts = text(files, 'csv/product/accounts.csv');
    expect(accounts.startsWith('\uFEFF')).toBe(true);
    const [header, ...rest] = accounts.slice(1).split('\r\n');
    expect(header).toBe('<img src=x onerror=alert(1)>,address,bio,display_name,email,formula,html,id,score');
    const cells = [
      'key is hostile',
      '"{""city"":""Kraków"",""street"":""Main, 1""}"',
      '"Hello, ""world""\nsecond line 🙂"',
      'Zoë Łukasiewicz',
      'zoe@example.org',
      "'=cmd|' /C calc'!A0",
      '<script>alert(1)</script>',
      '1',
      '-5',
    ];
    expect(rest.join('\r\n')).toBe(`${cells.join(',')}\r\n`);
    const lines = text(files, 'csv/product/orders.csv').split('\r\n');
    expect(lines).toHaveLength(2345 + 2);
    expect(lines[1]).toBe('0,1,order 1');
    expect(lines[2345]).toBe('23440,2345,order 2345');
  });

  it('index.html: the overview in the request language, everything escaped, nothing remote, no script', () => {
    const html = text(files, 'index.html');
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    // The CSP allows the page's one inline stylesheet by its hash: no 'unsafe-inline'.
    for (const page of ['index.html', 'about.html']) {
      const source = text(files, page);
      const style = /<style>([\s\S]*?)<\/style>/.exec(source)?.[1] ?? '';
      const hash = createHash('sha256').update(style).digest('base64');
      expect(style.length).toBeGreaterThan(100);
      expect(source).toContain(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${hash}'">`,
      );
      expect(source).not.toContain('unsafe-inline');
    }
    expect(html).toContain(rt.config.orgName);
    expect(html).toContain(request.reference);
    expect(html).toContain('20 November 2026'); // generated at, in the request's time zone
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(html).not.toMatch(/<script|<img|onerror=|<link|src=|https?:\/\//i);
    expect(html).toContain('Zoë Łukasiewicz');
    // Per source a section; per collection the count, a preview of 50 rows and the CSV link.
    expect(html).toContain('System: product');
    expect(html).toContain('Rows: 2,345');
    expect(html).toContain('The first 50 of 2,345 rows:');
    expect(html.match(/<td>order \d+<\/td>/g)).toHaveLength(50);
    expect(html).toContain('<a href="csv/product/orders.csv">');
    expect(html).toContain('<a href="csv/product/we_ird_.._name.csv">');
    expect(html).toContain('<a href="about.html">');
    for (const href of html.matchAll(/href="([^"]*)"/g)) expect(names).toContain(href[1]);
    // An empty collection (named by the receipt) has a count and no CSV.
    expect(html).toMatch(/<h3>emails<\/h3>\s*<p>Rows: 0<\/p>/);
  });

  it('about.json / about.html: the Art. 15 information and what each source holds', () => {
    const about = JSON.parse(text(files, 'about.json'));
    expect(about).toMatchObject({
      format: 'rightsdesk-about/1',
      reference: request.reference,
      locale: 'en',
      controller: { name: rt.config.orgName },
    });
    for (const key of [
      'purposes',
      'categories',
      'recipients',
      'retention',
      'origins',
      'transfers',
      'rights',
    ]) {
      expect(about[key].length, key).toBeGreaterThan(0);
    }
    expect(about.automatedDecisions).toMatch(/automated/);
    expect(about.rights.map((r: { right: string }) => r.right)).toContain('complaint');
    const bySource = Object.fromEntries(about.sources.map((s: { source: string }) => [s.source, s]));
    expect(Object.keys(bySource)).toEqual(['newsletter', 'product', 'rightsdesk']);
    // The builtin source's categories are known; the others come from SOURCES_FILE or the data map.
    expect(bySource.rightsdesk.categories.map((c: { category: string }) => c.category)).toEqual([
      'account',
      'contact',
      'marketing',
    ]);
    expect(bySource.product.collections).toContainEqual({
      collection: 'orders',
      rows: 2345,
      fields: ['amount_cents', 'id', 'note'],
    });
    expect(bySource.product.summary).toBe('product summary');
    const html = text(files, 'about.html');
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('default-src &#x27;none&#x27;'.replace(/&#x27;/g, "'"));
    expect(html).toContain('Why we use your data');
    expect(html).toContain('Your rights');
    expect(html).not.toMatch(/<script|https?:\/\//i);
  });

  it('the file on disk is encrypted: no ZIP structure, no names, no values', () => {
    const raw = readFileSync(path.join(rt.config.dataDir, built.storageKey));
    expect(raw.subarray(0, 4).toString()).toBe('RDX1');
    for (const needle of ['PK\x03\x04', 'PK\x01\x02', 'manifest.json', 'csv/product', 'index.html']) {
      expect(raw.includes(Buffer.from(needle, 'latin1')), needle).toBe(false);
    }
    expect(raw.includes(Buffer.from('zoe@example.org'))).toBe(false);
  });
});

describe('export bundle edge cases', () => {
  it('a request with no data still gets a bundle that says so', async () => {
    const { request, tasks } = await seed(
      { rightsdesk: {} },
      { rightsdesk: { collections: [], fields: [], summary: 'none' } },
    );
    const built = await buildBundle(deps(), request, tasks);
    const { names, files } = await unzip(await decryptTo(built));
    expect(names).toEqual(['index.html', 'about.html', 'about.json', 'data.json', 'manifest.json']);
    expect(JSON.parse(text(files, 'data.json')).sources).toEqual({ rightsdesk: {} });
    expect(text(files, 'index.html')).toContain('This system holds no data about you.');
    const none = await buildBundle(deps(), request, []);
    const empty = await unzip(await decryptTo(none));
    expect(JSON.parse(text(empty.files, 'data.json')).sources).toEqual({});
    expect(text(empty.files, 'index.html')).toContain('None of our systems holds personal data about you.');
  });

  it('uses DATA_MAP_FILE, and the data map’s categories for a source', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-map-')), 'map.yaml');
    writeFileSync(
      file,
      [
        'controller: {contact: privacy@acme.example, dpoContact: "Dr <b>DPO</b>"}',
        'purposes: [{purpose: Selling shoes, legalBasis: Contract, categories: [contact]}]',
        'categories: [{category: contact, description: Your email}]',
        'retention: [{data: Orders, period: 6 years}]',
        'origins: [From you]',
        'systems: {crm: {description: Our CRM, categories: [contact]}}',
      ].join('\n'),
    );
    const { request, tasks } = await seed({ crm: { people: [{ name: 'Zoë' }] } });
    const config: Config = { ...rt.config, dataMapFile: file };
    const built = await buildBundle(deps({ config }), request, tasks);
    const { files } = await unzip(await decryptTo(built));
    const about = JSON.parse(text(files, 'about.json'));
    expect(about.purposes).toEqual([
      { purpose: 'Selling shoes', legalBasis: 'Contract', categories: ['contact'] },
    ]);
    expect(about.transfers).toEqual([]);
    expect(about.sources[0]).toMatchObject({
      source: 'crm',
      description: 'Our CRM',
      categories: [{ category: 'contact', description: 'Your email' }],
    });
    const html = text(files, 'about.html');
    expect(html).toContain('Dr &lt;b&gt;DPO&lt;/b&gt;');
    expect(html).toContain('We do not transfer your personal data');
    expect(text(files, 'index.html')).toContain('Our CRM');
  });

  it('a database that fails mid-stream fails the build and leaves nothing behind', async () => {
    const { request, tasks } = await seed({
      product: { big: Array.from({ length: 2500 }, (_, i) => ({ i })) },
    });
    // Selects: the counts, the preview, data.json's first page; the fourth (its second page) fails.
    let selects = 0;
    const db = new Proxy(rt.database.db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'select') return value;
        return (...args: unknown[]) => {
          if (++selects === 4) throw new Error('database went away');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    await expect(buildBundle(deps({ db }), request, tasks)).rejects.toThrow('database went away');
    expect(selects).toBe(4);
    expect(readdirSync(path.join(rt.config.dataDir, 'exports', request.id))).toEqual([]);
  });

  it('a store that fails mid-write fails the build and leaves nothing behind', async () => {
    const { request, tasks } = await seed({
      product: { big: Array.from({ length: 3000 }, (_, i) => ({ i })) },
    });
    const failing: BundleStore = {
      ...store,
      write: (key, plaintext) => {
        let seen = 0;
        const breaker = new Transform({
          transform(chunk: Buffer, _e, cb) {
            seen += chunk.length;
            cb(seen > 20_000 ? new Error('disk full') : null, chunk);
          },
        });
        plaintext.on('error', (e) => breaker.destroy(e));
        return store.write(key, plaintext.pipe(breaker));
      },
    };
    await expect(buildBundle(deps({ store: failing }), request, tasks)).rejects.toThrow('disk full');
    const dir = path.join(rt.config.dataDir, 'exports', request.id);
    expect(readdirSync(dir)).toEqual([]);
  });
});
