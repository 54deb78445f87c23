import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { z } from 'zod';
import type { Config } from '../../config.ts';
import { type SourceConfig, sourcesFileSchema } from '../sources-schemas.ts';
import { DEMO_SCHEMA_SQL, demoSeedSql } from './demo-schema.ts';

// The demo data sources of the embedded default (config.demoSources): a seeded product database the
// postgres connector reaches by a pglite: URL, and a newsletter system Rightsdesk serves itself over http,
// so a newcomer sees a request carried out end to end without wiring anything.

export const DEMO_PRODUCT_SOURCE = 'demo_product';
export const DEMO_NEWSLETTER_SOURCE = 'demo_newsletter';
/** The environment-variable name the newsletter source names; its value comes from demoSources().secrets. */
export const DEMO_NEWSLETTER_SECRET_ENV = 'DEMO_NEWSLETTER_SECRET';
export const DEMO_NEWSLETTER_HOOK_PATH = '/demo/newsletter/hook';

type DemoConfig = Pick<Config, 'dataDir' | 'publicUrl' | 'secretKey'>;

/** Where the demo product database lives: its own PGlite directory beside Rightsdesk's. */
export function demoProductDir(dataDir: string): string {
  return path.join(dataDir, 'demo-source');
}

/** Derived from SECRET_KEY so it is stable across restarts and never written anywhere. */
export function demoNewsletterSecret(secretKey: string): string {
  return createHmac('sha256', secretKey).update('rightsdesk/demo-newsletter/hmac-secret/v1').digest('hex');
}

const taxHold = {
  strategy: 'retain',
  basis: 'Tax law: invoices are kept for 5 years (e.g. Art. 86 Polish Tax Ordinance)',
  period: '5 years',
} as const;

// Erasure keeps every foreign key whole: the account row is masked (never deleted) so the retained invoices
// still point at it; projects and sessions are the subject's own rows and go entirely.
const demoSourcesInput = (config: DemoConfig): z.input<typeof sourcesFileSchema>['sources'] => {
  const byAccount = {
    join: { table: 'accounts', emailColumn: 'email', key: 'id', foreignKey: 'account_id' },
  };
  return [
    {
      name: DEMO_PRODUCT_SOURCE,
      kind: 'postgres',
      // The connector percent-decodes the path: a literal % in DATA_DIR must survive that.
      url: `pglite:${demoProductDir(config.dataDir).replaceAll('%', '%25')}`,
      collections: [
        {
          name: 'accounts',
          table: 'accounts',
          subject: { emailColumn: 'email' },
          marketingConsentColumn: 'marketing_opt_in',
          fields: {
            email: { category: 'contact', erase: { strategy: 'hash' } },
            display_name: { category: 'identity', erase: { strategy: 'null' }, rectifiable: true },
            phone: { category: 'contact', erase: { strategy: 'null' }, rectifiable: true },
            country: { category: 'location', erase: { strategy: 'null' }, rectifiable: true },
            created_at: { category: 'account', erase: { strategy: 'null' } },
          },
        },
        {
          name: 'projects',
          table: 'projects',
          subject: byAccount,
          fields: {
            title: { category: 'content', erase: { strategy: 'delete' } },
            description: { category: 'content', erase: { strategy: 'delete' } },
          },
        },
        {
          name: 'sessions',
          table: 'sessions',
          subject: byAccount,
          fields: {
            user_agent: { category: 'device', erase: { strategy: 'delete' } },
            ip_address: { category: 'device', erase: { strategy: 'delete' } },
            started_at: { category: 'usage', erase: { strategy: 'delete' } },
          },
        },
        {
          name: 'invoices',
          table: 'invoices',
          subject: byAccount,
          // An issued invoice must stay whole (corrections are new invoices), so every field is held.
          fields: {
            number: { category: 'financial', erase: taxHold },
            amount_cents: { category: 'financial', erase: taxHold },
            billing_name: { category: 'identity', erase: taxHold },
            billing_address: { category: 'contact', erase: taxHold },
            issued_on: { category: 'financial', erase: taxHold },
          },
        },
      ],
    },
    {
      name: DEMO_NEWSLETTER_SOURCE,
      kind: 'http',
      url: `${config.publicUrl}${DEMO_NEWSLETTER_HOOK_PATH}`,
      secretEnv: DEMO_NEWSLETTER_SECRET_ENV,
      holds: ['contact', 'marketing'],
      actions: ['access', 'erase', 'opt_out'],
    },
  ];
};

/**
 * The two demo sources (parsed by the same schema as a sources file, so defaults are filled in) and the
 * secrets they name, to be read as if they were environment variables.
 */
export function demoSources(config: DemoConfig): {
  sources: SourceConfig[];
  secrets: Record<string, string>;
} {
  const { sources } = sourcesFileSchema.parse({ sources: demoSourcesInput(config) });
  return { sources, secrets: { [DEMO_NEWSLETTER_SECRET_ENV]: demoNewsletterSecret(config.secretKey) } };
}

const preparing = new Map<string, Promise<void>>();

/**
 * Creates and seeds the demo product database in `dir` unless its schema is already there, then closes it:
 * the postgres connector opens it later by `pglite:<dir>`, and two PGlite instances on one directory
 * corrupt it. Concurrent calls for one directory in this process share one run.
 */
export function prepareDemoProductDatabase(dir: string): Promise<void> {
  const key = path.resolve(dir);
  const running = preparing.get(key);
  if (running) return running;
  const run = prepare(key).finally(() => preparing.delete(key));
  preparing.set(key, run);
  return run;
}

async function prepare(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  try {
    await client.waitReady;
    const { rows } = await client.query<{ present: boolean }>(
      "select to_regclass('public.accounts') is not null as present",
    );
    if (rows[0]?.present) return;
    // Schema and seed commit together: a crash half-way leaves no schema, and the next start seeds again.
    await client.transaction(async (tx) => {
      await tx.exec(DEMO_SCHEMA_SQL);
      await tx.exec(demoSeedSql());
    });
  } finally {
    await client.close();
  }
}
