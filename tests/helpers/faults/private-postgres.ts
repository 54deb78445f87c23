import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A PostgreSQL server of its own per test file: restarting or killing it touches no one else's
// databases (the machine's shared server on 5432 serves other test runs at the same time).

const pgRoot = '/usr/lib/postgresql';

function pgBin(): string | undefined {
  if (!existsSync(pgRoot)) return undefined;
  const versions = readdirSync(pgRoot)
    .filter((v) => existsSync(path.join(pgRoot, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(pgRoot, versions[0], 'bin') : undefined;
}

/** Why a private server cannot run here, or undefined when it can. */
export function privatePostgresMissing(): string | undefined {
  if (!pgBin()) return `no initdb under ${pgRoot}/*/bin (install Debian's postgresql package)`;
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no "postgres" system user to run initdb as';
  if (process.getuid?.() !== 0) return 'tests must run as root to start a server as the postgres user';
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export type PrivatePostgres = {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:PORT/<database> */
  url(database: string): string;
  stop(): void;
  start(): void;
  isRunning(): boolean;
  /** Stops the server (if running) and removes its directory; safe to call twice. */
  dispose(): void;
};

/** initdb into a new temp directory owned by postgres, then starts it on a free loopback port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBin();
  if (!bin) throw new Error(privatePostgresMissing());
  const dir = mkdtempSync(path.join(tmpdir(), 'rd-pg-'));
  const data = path.join(dir, 'data');
  const { uid, gid } = userIds('postgres');
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (tool: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  // fsync off: nothing here must survive a power cut, and it keeps the two shared cores free.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  let disposed = false;
  const server: PrivatePostgres = {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    start() {
      asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', 'start']);
    },
    isRunning() {
      return (
        spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, 'status'])
          .status === 0
      );
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      try {
        if (server.isRunning()) asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    server.start();
  } catch (error) {
    server.dispose();
    throw error;
  }
  return server;
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
