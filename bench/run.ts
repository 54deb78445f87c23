// npm run bench [-- intake verification queue export webhooks]: each benchmark in a process of its own (so one
// bench's memory and JIT state never colour the next), one after the other; each writes its figures
// into bench/results.json. Then the table goes to bench/results.md and the console.
// BENCH_SCALE=small makes every bench a quick smoke run, written to bench/results.small.{json,md}.
// Benchmarks never run in CI or the tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readResults, resultsMarkdown } from './lib/harness.ts';
import { writeResultsMarkdown } from './lib/report.ts';

const all = ['intake', 'verification', 'queue', 'export', 'webhooks'];
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((name) => !all.includes(name));
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')} (choose from ${all.join(', ')})`);
  process.exit(2);
}
const benches = asked.length ? asked : all;
const failed: string[] = [];
for (const bench of benches) {
  console.log(`\n== ${bench}${process.env.BENCH_SCALE === 'small' ? ' (BENCH_SCALE=small)' : ''}`);
  const script = fileURLToPath(new URL(`./${bench}.ts`, import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  if (child.status !== 0) failed.push(bench);
}
const table = writeResultsMarkdown(readResults(), resultsMarkdown);
console.log(`\n${table}`);
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
