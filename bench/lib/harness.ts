import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import autocannon from 'autocannon';
import postgres from 'postgres';

export const pgBase = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh database on the benchmark server; drop() removes it. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}`;
  const admin = postgres(pgBase, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(pgBase);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(pgBase, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
      await sql.end();
    },
  };
}

export type Child = { proc: ChildProcess; peakRssMb(): number; stop(): Promise<void> };

/**
 * Starts a process and waits until it is ready: `ready` is a URL that must answer 200, or a pattern
 * its stdout must print. With `logFile` its stdout goes there (otherwise nowhere); stderr is shown.
 */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: string | RegExp,
  options: { logFile?: string } = {},
): Promise<Child> {
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.logFile || typeof ready !== 'string' ? 'pipe' : 'ignore', 'inherit'],
  });
  let printed = '';
  if (proc.stdout) {
    const log = options.logFile ? createWriteStream(options.logFile) : undefined;
    proc.stdout.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      // Only the start-up lines are searched: keep a bounded tail.
      if (typeof ready !== 'string') printed = (printed + chunk.toString('utf8')).slice(-65_536);
    });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${proc.exitCode}`);
    if (typeof ready === 'string') {
      try {
        if ((await fetch(ready)).ok) break;
      } catch {}
    } else if (ready.test(printed)) break;
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} not ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    proc,
    // VmHWM: the kernel's record of the process's peak resident set.
    peakRssMb() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export type LoadResult = {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total: number;
};

export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon(options);
  return {
    // A fixed number of requests (`amount`) ends mid-second: count over the whole run instead.
    requestsPerSec: Math.round(
      options.amount ? result.requests.total / result.duration : result.requests.average,
    ),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/** BENCH_SCALE=small: a quick smoke run of every bench (seconds, not minutes); figures are not comparable. */
export const scale: 'full' | 'small' = process.env.BENCH_SCALE === 'small' ? 'small' : 'full';
export const byScale = <T>(full: T, small: T): T => (scale === 'small' ? small : full);

export type Machine = {
  cpus: number;
  cpuModel: string;
  memGb: number;
  node: string;
  postgres: string;
};

export async function machine(): Promise<Machine> {
  const sql = postgres(pgBase, { max: 1, onnotice: () => {} });
  const [row] = await sql`show server_version`.catch(() => [{ server_version: 'unknown' }]);
  await sql.end();
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: String(row?.server_version ?? 'unknown').split(' ')[0]!,
  };
}

/** This process's peak resident set so far (VmHWM), in MB. */
export function ownPeakRssMb(): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

// A smoke run keeps its figures apart, so it never overwrites the real ones.
export const resultsFile = new URL(
  scale === 'small' ? '../results.small.json' : '../results.json',
  import.meta.url,
);
export const resultsMarkdown = new URL(
  scale === 'small' ? '../results.small.md' : '../results.md',
  import.meta.url,
);

export function readResults(): Record<string, Record<string, unknown>> {
  return existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
}

/** Merges one benchmark's figures into bench/results.json. */
export async function record(name: string, figures: Record<string, unknown>): Promise<void> {
  const info = await machine();
  const all = readResults();
  all[name] = { ...figures, scale, machine: info, at: new Date().toISOString() };
  writeFileSync(resultsFile, `${JSON.stringify(all, null, 2)}\n`);
}
