import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/runtime.ts';
import { createTestDatabase } from '../helpers/test-db.ts';
import { testConfig } from '../helpers/test-runtime.ts';

function sourcesFile(sources: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-sources-')), 'sources.json');
  writeFileSync(file, JSON.stringify({ sources }));
  return file;
}
const http = (extra: Record<string, unknown> = {}) => ({
  name: 'newsletter',
  kind: 'http',
  url: 'http://newsletter.internal/rightsdesk',
  secretEnv: 'NEWSLETTER_SECRET',
  holds: ['contact'],
  actions: ['erase'],
  ...extra,
});
const production = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  PUBLIC_URL: 'https://privacy.example.org',
  NEWSLETTER_SECRET: 'x'.repeat(40),
};

/** Starts a runtime on a fresh database; returns the start-up error message, or 'started'. */
async function start(env: Record<string, string>, lines: string[] = []): Promise<string> {
  const testDb = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  try {
    const rt = await createRuntime(testConfig(env), {
      worker: false,
      database: testDb.database,
      logger: pino({ level: 'warn' }, sink),
    });
    await rt.close();
    return 'started';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await testDb.drop();
  }
}

describe('data sources at start-up', () => {
  it('production with an http:// source → start-up refused, naming sources[0].url', async () => {
    const message = await start({ ...production, SOURCES_FILE: sourcesFile([http()]) });
    expect(message).toMatch(/^sources\[0\]\.url: must be https/);
  });

  it("an http source naming Rightsdesk's own SECRET_KEY as its secret → refused, naming secretEnv", async () => {
    const message = await start({ SOURCES_FILE: sourcesFile([http({ secretEnv: 'SECRET_KEY' })]) });
    expect(message).toMatch(/^sources\[0\]\.secretEnv: SECRET_KEY is Rightsdesk's own setting/);
  });

  it('an http source whose secret variable is unset → refused, naming the variable', async () => {
    const message = await start({ SOURCES_FILE: sourcesFile([http()]) });
    expect(message).toMatch(/^sources\[0\]\.secretEnv: environment variable NEWSLETTER_SECRET is not set/);
  });

  it('a postgres source with a column its table lacks → refused, naming the field path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-src-'));
    const { PGlite } = await import('@electric-sql/pglite');
    const pg = new PGlite(dir);
    await pg.exec('create table accounts (id serial primary key, email text)');
    await pg.close();
    const source = {
      name: 'app',
      kind: 'postgres',
      url: `pglite:${dir}`,
      collections: [
        {
          name: 'accounts',
          table: 'accounts',
          subject: { emailColumn: 'email' },
          fields: { nickname: { category: 'identity', erase: { strategy: 'null' } } },
        },
      ],
    };
    const message = await start({ SOURCES_FILE: sourcesFile([source]) });
    expect(message).toMatch(/collections\[0\]\.fields\.nickname/);
  });

  it('a postgres source that is merely down → starts, with a warning naming the source only', async () => {
    const source = {
      name: 'warehouse',
      kind: 'postgres',
      url: 'postgres://reader:pw@127.0.0.1:1/warehouse',
      collections: [
        {
          name: 'people',
          table: 'people',
          subject: { emailColumn: 'email' },
          fields: { email: { category: 'contact', erase: { strategy: 'hash' } } },
        },
      ],
    };
    const lines: string[] = [];
    expect(await start({ SOURCES_FILE: sourcesFile([source]) }, lines)).toBe('started');
    const warning = lines.map((l) => JSON.parse(l)).find((l) => /unreachable/.test(l.msg));
    expect(warning).toMatchObject({ source: 'warehouse' });
    expect(JSON.stringify(warning)).not.toContain(':pw@');
  });

  it('a DATA_MAP_FILE that is not a valid data map → start-up refused, not the first export build', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-map-')), 'map.yaml');
    writeFileSync(file, 'purposes: 42\n');
    const message = await start({ DATA_MAP_FILE: file });
    expect(message).not.toBe('started');
    expect(message).toMatch(/purposes/);
  });
});
