import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { startServer } from '../../src/server.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { createTestRuntime } from '../helpers/test-runtime.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

const tmp = () => mkdtempSync(path.join(tmpdir(), 'rd-cli-'));

describe('CLI', () => {
  it('rightsdesk --help → lists serve, worker and migrate', () => {
    const { status, stdout } = runCli(['--help']);
    expect(status).toBe(0);
    for (const command of ['serve', 'worker', 'migrate'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('rightsdesk deadline → the contract JSON without touching any database; bad law → exit 2, one line', () => {
    const dataDir = tmp();
    const ok = runCli(
      ['deadline', '--law', 'ccpa', '--type', 'access', '--received', '2026-01-09T18:00:00Z'],
      {
        DATA_DIR: dataDir,
      },
    );
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      receivedOn: '2026-01-09',
      acknowledgeBy: '2026-01-23',
      dueBy: '2026-02-23',
      safeDueBy: '2026-02-23',
      extendedDueBy: '2026-04-09',
    });
    const bad = runCli(
      ['deadline', '--law', 'nope', '--type', 'access', '--received', '2026-01-09T18:00:00Z'],
      {
        DATA_DIR: dataDir,
      },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--law');
  });

  it('bad configuration → exit 1 with one line naming the variable', () => {
    const { status, stderr } = runCli(['migrate'], { PORT: 'eighty', DATA_DIR: tmp() });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('PORT');
  });

  it('a sources file with a bad erase strategy → serve refuses to start, naming its path in the file', () => {
    const dir = tmp();
    const file = path.join(dir, 'sources.yaml');
    writeFileSync(
      file,
      'sources:\n  - name: app\n    kind: postgres\n    url: postgres://x@127.0.0.1/app\n    collections:\n' +
        '      - name: accounts\n        table: accounts\n        subject: { emailColumn: email }\n' +
        '        fields:\n          email: { category: contact, erase: { strategy: shred } }\n',
    );
    const { status, stderr } = runCli(['serve'], { DATA_DIR: dir, SOURCES_FILE: file });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('sources[0].collections[0].fields.email.erase.strategy');
  });

  it('production without SECRET_KEY → refuses to start, naming it', () => {
    const { status, stderr } = runCli(['serve'], {
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      PUBLIC_URL: 'https://privacy.example.org',
      DATA_DIR: tmp(),
    });
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      'rightsdesk: configuration error: SECRET_KEY: is required when NODE_ENV=production',
    );
  });

  it('migrate on an empty embedded data dir → exit 0', () => {
    const { status, stdout } = runCli(['migrate'], { DATA_DIR: tmp() });
    expect(status).toBe(0);
    expect(stdout).toContain('migrated (pglite)');
  });

  it('serve on PGlite, then SIGHUP and SIGTERM → answers health, survives the SIGHUP, then exits 0 within 10 s; a second process is refused while it runs', async () => {
    const dataDir = tmp();
    const port = await freePort();
    const server = await startCli(['serve'], { DATA_DIR: dataDir, PORT: String(port) }, /listening on/);
    try {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);

      const second = runCli(['migrate'], { DATA_DIR: dataDir });
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/in use by process \d+/);

      // SIGHUP (a reload, e.g. systemd ExecReload) without TLS is logged and ignored, never an exit.
      server.child.kill('SIGHUP');
      await expect.poll(() => server.output(), { timeout: 10_000 }).toContain('no TLS certificate to reload');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      // Exit code 0, not the watchdog's 1: shutdown finished inside the 10 s budget.
      expect(await server.exited).toBe(0);
    }
    // The lock is released on a clean exit: the data dir can be used again.
    expect(runCli(['migrate'], { DATA_DIR: dataDir }).status).toBe(0);
    // Three processes start and open PGlite one after another: on a loaded CI machine that alone
    // took over a minute once, so this test gets more than the default.
  }, 180_000);
});

describe('CLI on PostgreSQL', () => {
  it.skipIf(!onPostgres)(
    'serve with DATABASE_URL naming a missing database → creates it, serves, exits on SIGTERM',
    async () => {
      const base = new URL(process.env.TEST_DATABASE_URL!);
      const name = `rd_cli_${process.pid}_${Date.now()}`;
      const url = new URL(base);
      url.pathname = `/${name}`;
      const port = await freePort();
      const server = await startCli(
        ['serve'],
        { DATABASE_URL: url.toString(), DATA_DIR: tmp(), PORT: String(port) },
        /listening on/,
      );
      try {
        expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
        expect(server.output()).toContain('"database":"postgres"');
      } finally {
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        const sql = postgres(base.toString(), { max: 1, onnotice: () => {} });
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
        await sql.end();
      }
    },
    120_000,
  );
});

describe('graceful shutdown', () => {
  it('request in flight when stop() is called → it completes; new connections are refused', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let pingStarted: () => void = () => {};
    const pinged = new Promise<void>((r) => {
      pingStarted = r;
    });
    const rt = await createTestRuntime({
      worker: true,
      appDatabase: (db: Database) => ({
        ...db,
        async ping() {
          pingStarted();
          await gate;
        },
      }),
    });
    const server = await startServer(rt, 0, '127.0.0.1');
    try {
      const inFlight = fetch(`${server.url}/readyz`);
      await pinged;
      const stopping = server.stop();
      await new Promise((r) => setTimeout(r, 100));
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      release();
      const res = await inFlight;
      expect(res.status).toBe(200);
      await stopping;
    } finally {
      release();
      await rt.testDb.drop();
    }
  });
});
