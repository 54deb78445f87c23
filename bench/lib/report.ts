// bench/results.json → the Markdown table of bench/results.md (and the README's Benchmarks section).
import { writeFileSync } from 'node:fs';
import type { Machine } from './harness.ts';

type Speed = { requestsPerSec: number; p99Ms: number; peakRssMb?: number };
type Page = { msPerPage: number };
/** What the benches write into bench/results.json (the fields the table reads). */
type Figures = {
  at: string;
  scale?: string;
  machine?: Machine;
  connections: number;
  seconds: number;
  rows: number;
  ratio: number;
  peakRssMb?: number;
  rightsdesk: Speed & { seconds: number; rowsPerSec: number; zipMb: number; processPeakRssMb: number };
  baseline: Speed & { seconds: number };
  results: Record<string, { app: Page; bare: Page; ratio: number }>;
  jsonMb: number;
  rssLimitMb: number;
};
type Percentiles = { p50Ms: number; p95Ms: number; p99Ms: number };
type LoadFigures = {
  at: string;
  ok: boolean;
  subjects: number;
  seconds: number;
  accepted: number;
  verified: number;
  submit: Percentiles;
  verify: Percentiles;
  emails: { delivered: number };
};
type Row = { bench: string; rightsdesk: string; baseline: string; ratio: string; rss: string };

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const mb = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} MB`);

function intakeRows(f: Figures): Row[] {
  return [
    {
      bench: `intake: \`POST /api/v1/requests\`, ${f.connections} keep-alive connections, ${f.seconds} s`,
      rightsdesk: `${n(f.rightsdesk.requestsPerSec)} req/s, p99 ${f.rightsdesk.p99Ms} ms`,
      baseline: `bare Express + one INSERT: ${n(f.baseline.requestsPerSec)} req/s, p99 ${f.baseline.p99Ms} ms`,
      ratio: `${f.ratio}`,
      rss: `${mb(f.rightsdesk.peakRssMb)} (baseline ${mb(f.baseline.peakRssMb)})`,
    },
  ];
}

function queueRows(f: Figures): Row[] {
  const rows = f.rows === 1_000_000 ? '1,000,000' : n(f.rows);
  const label: Record<string, string> = {
    'all (first page)': `queue, ${rows} requests: first page`,
    'open queue (default)': 'queue: default open queue',
    'status=pending_review&law=gdpr': 'queue: `status=pending_review&law=gdpr`',
  };
  return Object.entries(label)
    .filter(([key]) => f.results?.[key])
    .map(([key, bench], i) => {
      const r = f.results[key]!;
      return {
        bench,
        rightsdesk: `${r.app.msPerPage} ms/page`,
        baseline: `bare indexed SELECT: ${r.bare.msPerPage} ms`,
        ratio: `${r.ratio}× its time`,
        rss: i === 0 ? mb(f.peakRssMb) : '',
      };
    });
}

function exportRows(f: Figures): Row[] {
  const r = f.rightsdesk;
  return [
    {
      bench: `export: ${n(f.rows)} collected rows (${f.jsonMb} MB JSON) → encrypted ZIP (${r.zipMb} MB)`,
      rightsdesk: `${r.seconds} s, ${n(r.rowsPerSec)} rows/s`,
      baseline: `\`zip -r -6\` of the same files: ${f.baseline.seconds} s`,
      ratio: `${f.ratio}× its time`,
      rss: `${mb(r.processPeakRssMb)} (limit ${f.rssLimitMb} MB)`,
    },
  ];
}

function verificationRows(f: Figures): Row[] {
  return [
    {
      bench: `verification: \`POST /api/v1/verifications\`, real tokens, ${f.connections} connections`,
      rightsdesk: `${n(f.rightsdesk.requestsPerSec)} verifications/s, p99 ${f.rightsdesk.p99Ms} ms`,
      baseline: `bare Express + one SELECT + one UPDATE: ${n(f.baseline.requestsPerSec)}/s, p99 ${f.baseline.p99Ms} ms`,
      ratio: `${f.ratio}`,
      rss: `${mb(f.rightsdesk.peakRssMb)} (baseline ${mb(f.baseline.peakRssMb)})`,
    },
  ];
}

type WebhookFigures = {
  events: number;
  ratio: number;
  peakRssMb: number;
  rightsdesk: { seconds: number; perSec: number };
  baseline: { seconds: number; perSec: number };
};

function webhookRows(f: Figures): Row[] {
  const w = f as unknown as WebhookFigures;
  return [
    {
      bench: `webhooks: ${n(w.events)} sealed events, signed, POSTed in order, cursor moved per event`,
      rightsdesk: `${n(w.rightsdesk.perSec)} events/s (${w.rightsdesk.seconds} s)`,
      baseline: `bare fetch POST loop to the same receiver: ${n(w.baseline.perSec)}/s`,
      ratio: `${w.ratio}`,
      rss: mb(w.peakRssMb),
    },
  ];
}

const builders: Record<string, (f: Figures) => Row[]> = {
  intake: intakeRows,
  verification: verificationRows,
  queue: queueRows,
  export: exportRows,
  webhooks: webhookRows,
};

function describeMachine(m: Machine): string {
  return `${m.cpuModel}, ${m.cpus} cores, ${m.memGb} GB RAM, Node ${m.node}, PostgreSQL ${m.postgres ?? 'unknown'}`;
}

/** Columns padded to one width, as Biome formats Markdown tables (bench/ is formatted by it). */
function alignedTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(3, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

export function resultsTable(results: Record<string, unknown>): string {
  const rows: string[][] = [['bench', 'Rightsdesk', 'baseline (same run)', 'ratio', 'peak RSS']];
  // bench → "date, machine": one line when every bench ran on the same machine.
  const runs = new Map<string, string[]>();
  for (const [name, build] of Object.entries(builders)) {
    const f = results[name] as Figures | undefined;
    if (!f) continue;
    for (const r of build(f)) rows.push([r.bench, r.rightsdesk, r.baseline, r.ratio, r.rss]);
    const small = f.scale === 'small' ? ' (BENCH_SCALE=small: a smoke run, not comparable)' : '';
    const where = `${f.machine ? describeMachine(f.machine) : 'machine not recorded'}${small}`;
    runs.set(where, [...(runs.get(where) ?? []), `${name} ${String(f.at).slice(0, 10)}`]);
  }
  const notes = [...runs].map(([where, benches]) => `Machine: ${where} (${benches.join(', ')}).`);
  const load = results.load as LoadFigures | undefined;
  if (load) {
    notes.push(
      `Load (\`npm run load\`, ${String(load.at).slice(0, 10)}): ${load.subjects} subjects × ${load.seconds} s against ` +
        `2 web + 2 worker processes: ${n(load.accepted)} requests accepted, ${n(load.verified)} verified; submit ` +
        `p50/p95/p99 ${load.submit.p50Ms}/${load.submit.p95Ms}/${load.submit.p99Ms} ms, verify ` +
        `${load.verify.p50Ms}/${load.verify.p95Ms}/${load.verify.p99Ms} ms; ${n(load.emails.delivered)} emails; ` +
        `no 5xx and exactly-once delivery: ${load.ok ? 'held' : 'FAILED'}.`,
    );
  }
  return `${[alignedTable(rows), ...notes].join('\n\n')}\n`;
}

export function writeResultsMarkdown(results: Record<string, unknown>, file: URL): string {
  const table = resultsTable(results);
  writeFileSync(
    file,
    `# Benchmark results\n\nWritten by \`npm run bench\` and \`npm run load\` from \`bench/results.json\`.\n\n${table}`,
  );
  return table;
}
