// npm run bench: every benchmark in turn; each writes its figures into bench/results.json.
const benches = ['./intake.ts', './queue.ts', './export.ts'];
for (const bench of benches) {
  console.log(`\n== ${bench}`);
  await import(bench);
}
