// The load run's Rightsdesk: web processes (`serve --no-worker`) and worker processes (`worker`) on
// one PostgreSQL database, each logging to its own file, with their CPU time and peak RSS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, freePort, startProcess } from './harness.ts';

const bin = fileURLToPath(new URL('../../bin/rightsdesk.js', import.meta.url));

export type Member = Child & { name: string; port?: number; logFile: string };

export type Cluster = { web: Member[]; workers: Member[]; all: Member[]; stop(): Promise<void> };

/** Started one at a time: the first migrates the fresh database, the others find it done. */
export async function startCluster(options: {
  webs: number;
  workers: number;
  env: Record<string, string>;
  logDir: string;
}): Promise<Cluster> {
  const web: Member[] = [];
  const workers: Member[] = [];
  const all: Member[] = [];
  const cluster: Cluster = {
    web,
    workers,
    all,
    async stop() {
      await Promise.all(all.map((m) => m.stop()));
    },
  };
  try {
    const ports = await Promise.all(Array.from({ length: options.webs }, () => freePort()));
    for (const [i, port] of ports.entries()) {
      const name = `web${i + 1}`;
      const logFile = path.join(options.logDir, `${name}.log`);
      const env = { ...options.env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${ports[0]}` };
      const child = await startProcess(
        [bin, 'serve', '--no-worker'],
        env,
        `http://127.0.0.1:${port}/readyz`,
        {
          logFile,
        },
      );
      const member = { ...child, name, port, logFile };
      web.push(member);
      all.push(member);
    }
    for (let i = 0; i < options.workers; i++) {
      const name = `worker${i + 1}`;
      const logFile = path.join(options.logDir, `${name}.log`);
      // Workers log at info: "worker started" says it is subscribed to the queues.
      const env = { ...options.env, LOG_LEVEL: 'info', PUBLIC_URL: `http://127.0.0.1:${ports[0]}` };
      const child = await startProcess([bin, 'worker'], env, /"msg":"worker started"/, { logFile });
      const member = { ...child, name, logFile };
      workers.push(member);
      all.push(member);
    }
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** User + system CPU seconds of a live process (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Math.round(Number(fields[11]) + Number(fields[12])) / 100;
}

/** The share of the whole machine's CPU time that was busy between two readings of /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Warnings and errors a process logged (pino levels 40 and above), by message. */
export function loggedProblems(logFile: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level < 40) continue;
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? 'unparsed';
    const key = `${level >= 50 ? 'error' : 'warn'}: ${msg}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
