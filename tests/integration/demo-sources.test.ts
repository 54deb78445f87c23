import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskContext } from '../../src/fulfilment/connector.ts';
import { DEMO_PEOPLE } from '../../src/fulfilment/demo/demo-schema.ts';
import {
  DEMO_NEWSLETTER_SECRET_ENV,
  demoNewsletterSecret,
  demoProductDir,
  demoSources,
  prepareDemoProductDatabase,
} from '../../src/fulfilment/demo/demo-sources.ts';
import { createPostgresConnector } from '../../src/fulfilment/postgres/postgres-connector.ts';
import { type PostgresSourceConfig, sourcesFileSchema } from '../../src/fulfilment/sources-schemas.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rd-demo-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const secretKey = 'demo-test-secret-key-long-enough-0123456789';

async function counts(dir: string): Promise<Record<string, number>> {
  const db = new PGlite(dir);
  try {
    const out: Record<string, number> = {};
    for (const table of ['accounts', 'projects', 'sessions', 'invoices']) {
      const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
      out[table] = rows[0]!.n;
    }
    return out;
  } finally {
    await db.close();
  }
}

const seeded = {
  accounts: DEMO_PEOPLE.length,
  projects: DEMO_PEOPLE.reduce((n, p) => n + p.projects.length, 0),
  sessions: DEMO_PEOPLE.reduce((n, p) => n + p.sessions.length, 0),
  invoices: DEMO_PEOPLE.reduce((n, p) => n + p.invoices.length, 0),
};

// Creating a PGlite directory is slow: the tests that do not test preparing itself copy one prepared once.
let template: string;
beforeAll(async () => {
  template = path.join(mkdtempSync(path.join(tmpdir(), 'rd-demo-template-')), 'demo-source');
  await prepareDemoProductDatabase(template);
});
afterAll(() => rmSync(path.dirname(template), { recursive: true, force: true }));

/** A data directory holding a copy of the prepared demo database at demoProductDir(dataDir). */
function preparedDataDir(name = 'data'): string {
  const dataDir = path.join(tempDir(), name);
  cpSync(template, demoProductDir(dataDir), { recursive: true });
  return dataDir;
}

describe('demo product database', () => {
  it('prepare on an empty directory, twice at once and again → schema created, every person seeded once', async () => {
    const dir = path.join(tempDir(), 'demo-source');
    await Promise.all([prepareDemoProductDatabase(dir), prepareDemoProductDatabase(dir)]);
    await prepareDemoProductDatabase(dir);

    expect(await counts(dir)).toEqual(seeded);
    expect(seeded.accounts).toBeGreaterThanOrEqual(4);
    expect(seeded.projects * seeded.sessions * seeded.invoices).toBeGreaterThan(0);
    const db = new PGlite(dir);
    try {
      const { rows } = await db.query<{ display_name: string; n: number }>(
        `select a.display_name, (select count(*)::int from invoices i where i.account_id = a.id) as n
           from accounts a where lower(a.email) = 'zoe.lukasiewicz@example.net'`,
      );
      expect(rows).toEqual([{ display_name: 'Zoë Łukasiewicz', n: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('prepare on a directory whose demo data was changed → changes kept, nothing re-seeded', async () => {
    const dir = demoProductDir(preparedDataDir());
    const db = new PGlite(dir);
    await db.exec("delete from sessions; update accounts set phone = null where email = 'ada@example.com'");
    await db.close();

    await prepareDemoProductDatabase(dir);
    expect(await counts(dir)).toEqual({ ...seeded, sessions: 0 });
  });
});

describe('demo source configs', () => {
  const config = { dataDir: '/srv/rightsdesk/data', publicUrl: 'http://localhost:3000', secretKey };

  it('both demo sources → accepted by the sources file schema as they are', () => {
    const { sources } = demoSources(config);
    expect(sourcesFileSchema.parse({ sources }).sources).toEqual(sources);
    expect(sources.map((s) => [s.name, s.kind])).toEqual([
      ['demo_product', 'postgres'],
      ['demo_newsletter', 'http'],
    ]);
    const [product, newsletter] = sources;
    expect(product!.kind === 'postgres' && product!.url).toBe('pglite:/srv/rightsdesk/data/demo-source');
    expect(product!.kind === 'postgres' && product!.collections.map((c) => c.name)).toEqual([
      'accounts',
      'projects',
      'sessions',
      'invoices',
    ]);
    expect(newsletter).toMatchObject({
      url: 'http://localhost:3000/demo/newsletter/hook',
      secretEnv: DEMO_NEWSLETTER_SECRET_ENV,
      holds: ['contact', 'marketing'],
      actions: ['access', 'erase', 'opt_out'],
    });
  });

  it('the newsletter secret → derived from SECRET_KEY: stable, per key, never the key itself', () => {
    const { secrets } = demoSources(config);
    expect(Object.keys(secrets)).toEqual([DEMO_NEWSLETTER_SECRET_ENV]);
    expect(secrets[DEMO_NEWSLETTER_SECRET_ENV]).toBe(demoNewsletterSecret(secretKey));
    expect(demoSources(config).secrets).toEqual(secrets);
    expect(demoNewsletterSecret(`${secretKey}x`)).not.toBe(secrets[DEMO_NEWSLETTER_SECRET_ENV]);
    expect(secrets[DEMO_NEWSLETTER_SECRET_ENV]).not.toContain(secretKey);
    expect(secrets[DEMO_NEWSLETTER_SECRET_ENV]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a data directory with a % in its name → the connector finds the demo database there', async () => {
    const dataDir = preparedDataDir('100%demo');
    const product = demoSources({ ...config, dataDir }).sources[0] as PostgresSourceConfig;
    const connector = createPostgresConnector(product, { hashKey: Buffer.alloc(32, 1) });
    try {
      await connector.check();
      const plan = await connector.planErasure({ email: 'ada@example.com' });
      expect(plan.fields.find((f) => f.collection === 'accounts' && f.field === 'email')?.rows).toBe(1);
    } finally {
      await connector.close();
    }
  });
});

describe('demo product source through the postgres connector', () => {
  async function openDemo() {
    const dataDir = preparedDataDir();
    const product = demoSources({ dataDir, publicUrl: 'http://localhost:3000', secretKey })
      .sources[0] as PostgresSourceConfig;
    const connector = createPostgresConnector(product, { hashKey: Buffer.alloc(32, 7) });
    return { dir: demoProductDir(dataDir), connector };
  }

  function task(
    action: TaskContext['action'],
    email: string,
  ): TaskContext & { written: Map<string, unknown[]> } {
    const written = new Map<string, unknown[]>();
    return {
      taskId: 't1',
      requestId: 'r1',
      reference: 'RD-2345-6789',
      action,
      subject: { email },
      corrections: [],
      records: {
        async write(collection, rows) {
          written.set(collection, [...(written.get(collection) ?? []), ...rows]);
        },
      },
      now: new Date('2026-02-01T10:00:00Z'),
      written,
    };
  }

  it('access for a mixed-case address typed in lower case → every collection of that person', async () => {
    const { connector } = await openDemo();
    try {
      await connector.check();
      const ctx = task('access', 'zoe.lukasiewicz@example.net');
      await connector.run(ctx);
      expect(ctx.written.get('accounts')).toEqual([
        expect.objectContaining({ display_name: 'Zoë Łukasiewicz', email: 'Zoe.Lukasiewicz@Example.net' }),
      ]);
      expect(ctx.written.get('projects')).toHaveLength(1);
      expect(ctx.written.get('sessions')).toHaveLength(1);
      expect(ctx.written.get('invoices')).toHaveLength(1);
    } finally {
      await connector.close();
    }
  });

  it('erase → account masked, projects and sessions deleted, invoices kept whole, others untouched', async () => {
    const { dir, connector } = await openDemo();
    const result = await connector.run(task('erase', 'ada@example.com'));
    await connector.close();
    expect(result.state).toBe('done');

    const db = new PGlite(dir);
    try {
      const ada = await db.query<Record<string, unknown>>(
        "select * from accounts where id = (select account_id from invoices where number = 'INV-2024-0001')",
      );
      expect(ada.rows[0]).toMatchObject({ display_name: null, phone: null, country: null, created_at: null });
      expect(ada.rows[0]!.email).not.toBe('ada@example.com');
      const adaId = ada.rows[0]!.id;
      const left = async (table: string) =>
        (
          await db.query<{ n: number }>(`select count(*)::int as n from ${table} where account_id = $1`, [
            adaId,
          ])
        ).rows[0]!.n;
      expect([await left('projects'), await left('sessions'), await left('invoices')]).toEqual([0, 0, 2]);
      const invoice = await db.query<Record<string, unknown>>(
        "select billing_name, amount_cents from invoices where number = 'INV-2024-0042'",
      );
      expect(invoice.rows).toEqual([{ billing_name: 'Ada Nowak', amount_cents: 1900 }]);
      const others = await db.query<{ n: number }>(
        'select count(*)::int as n from accounts where display_name is not null',
      );
      expect(others.rows[0]!.n).toBe(DEMO_PEOPLE.length - 1);
      expect((await db.query<{ n: number }>('select count(*)::int as n from sessions')).rows[0]!.n).toBe(
        seeded.sessions - 2,
      );
    } finally {
      await db.close();
    }
  });
});
