import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import { BUILTIN_SOURCE_NAME, sourceCategories } from '../../../src/exports/bundle-about.ts';
import { BUILTIN_SOURCE } from '../../../src/fulfilment/connectors.ts';

const config = (over: Partial<Config>) =>
  ({
    demoSources: false,
    sourcesFile: undefined,
    dataDir: '/tmp',
    publicUrl: 'http://x',
    secretKey: 's',
    ...over,
  }) as Config;

describe('categories each source declares', () => {
  it('knows the builtin source by the name the connectors give it', () => {
    expect(BUILTIN_SOURCE_NAME).toBe(BUILTIN_SOURCE);
  });

  it('reads them from the sources file (postgres fields, http holds) plus the builtin source', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-src-')), 'sources.json');
    writeFileSync(
      file,
      JSON.stringify({
        sources: [
          {
            name: 'shop',
            kind: 'postgres',
            url: 'postgres://localhost/shop',
            collections: [
              {
                name: 'customers',
                table: 'customers',
                subject: { emailColumn: 'email' },
                fields: {
                  email: { category: 'contact', erase: { strategy: 'hash' } },
                  country: { category: 'location', erase: { strategy: 'null' } },
                },
              },
            ],
          },
          {
            name: 'mailer',
            kind: 'http',
            url: 'https://mailer.example/hook',
            secretEnv: 'MAILER_SECRET',
            holds: ['contact', 'marketing'],
            actions: ['access'],
          },
        ],
      }),
    );
    const map = await sourceCategories(config({ sourcesFile: file }));
    expect(map.get('shop')).toEqual(['contact', 'location']);
    expect(map.get('mailer')).toEqual(['contact', 'marketing']);
    expect(map.get('rightsdesk')).toEqual(['account', 'contact', 'marketing']);
  });

  it('the demo sources when the demo runs; a broken sources file only loses the detail', async () => {
    const demo = await sourceCategories(config({ demoSources: true }));
    expect(demo.get('demo_product')).toContain('financial');
    expect(demo.get('demo_newsletter')).toEqual(['contact', 'marketing']);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-src-')), 'sources.json');
    writeFileSync(file, '{not json');
    expect([...(await sourceCategories(config({ sourcesFile: file }))).keys()]).toEqual(['rightsdesk']);
  });
});
