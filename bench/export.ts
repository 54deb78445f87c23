// The export bundle of a subject with 1,000,000 collected rows (about 200 MB of JSON) on PostgreSQL:
// build time, throughput and peak RSS of the streamed build (database → ZIP → AES-GCM → disk), beside
// `zip -r` of the same data.json and CSVs as files on disk, in the same run. Run: tsx bench/export.ts
// (BENCH_EXPORT_ROWS to change the size). The build must stay under 256 MB of RSS whatever the size.
//
// The build runs in a process of its own (this file with --build, under /usr/bin/time), so its peak
// RSS is the kernel's figure for a process that loads what a build needs and builds; the seeding and
// the baseline done here do not count against it. For a closer look: BENCH_EXPORT_DEBUG=1 prints the
// memory as it grows; BENCH_EXPORT_NODE_FLAGS passes flags to the build's node (e.g. --cpu-prof).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RSS_LIMIT_MB = 256;
const mb = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

type BuildResult = {
  seconds: number;
  files: { path: string; size: number }[];
  zipBytes: number;
  sha256: string;
  encryptedBytes: number;
  storageKey: string;
  keyId: string;
  rssAfterImportsMb: number;
  sampledPeakRssMb: number;
};

if (process.argv.includes('--build')) await buildInThisProcess();
else await main();

/** The child: only what a build needs, then one build, its figures as JSON on the last line of stdout. */
async function buildInThisProcess(): Promise<void> {
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { default: postgres } = await import('postgres');
  const schema = await import('../src/db/schema.ts');
  const { buildBundle } = await import('../src/exports/bundle-builder.ts');
  const { createFileStore } = await import('../src/exports/file-store.ts');
  const { createI18n } = await import('../src/i18n/i18n.ts');
  const { createLogger } = await import('../src/logger.ts');
  const { eq } = await import('drizzle-orm');
  const { statSync } = await import('node:fs');
  const path = await import('node:path');
  type Config = import('../src/config.ts').Config;
  type Db = import('../src/db/client.ts').Db;

  const env = process.env as Record<string, string>;
  const sql = postgres(env.BENCH_EXPORT_URL!, { max: 2, onnotice: () => {} });
  const db = drizzle(sql, { schema }) as unknown as Db;
  // What the builder reads of the configuration; loadConfig would also load the legal clock's
  // holiday tables, which a build does not use.
  const config = {
    orgName: 'Example Organisation',
    dataDir: env.BENCH_EXPORT_DATA_DIR!,
    secretKey: env.BENCH_EXPORT_SECRET!,
    demoSources: false,
    sourcesFile: undefined,
  } as unknown as Config;
  const [request] = await db
    .select()
    .from(schema.requests)
    .where(eq(schema.requests.id, env.BENCH_EXPORT_REQUEST!));
  const tasks = await db
    .select()
    .from(schema.fulfilmentTasks)
    .where(eq(schema.fulfilmentTasks.requestId, env.BENCH_EXPORT_REQUEST!));
  const store = createFileStore(config.dataDir, config.secretKey);
  const deps = {
    db,
    config,
    i18n: createI18n(),
    store,
    logger: createLogger('silent'),
    now: () => new Date(),
  };

  const rssAfterImports = process.memoryUsage().rss;
  let peak = rssAfterImports;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (process.env.BENCH_EXPORT_DEBUG && m.rss > peak)
      console.error(
        JSON.stringify({
          rss: mb(m.rss),
          heapTotal: mb(m.heapTotal),
          heapUsed: mb(m.heapUsed),
          external: mb(m.external),
          arrayBuffers: mb(m.arrayBuffers),
        }),
      );
    peak = Math.max(peak, m.rss);
  }, 50);
  const t = performance.now();
  const built = await buildBundle(deps, request!, tasks);
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await sql.end();
  const result: BuildResult = {
    seconds,
    files: built.manifest.files.map((f) => ({ path: f.path, size: f.size })),
    zipBytes: built.size,
    sha256: built.sha256,
    encryptedBytes: statSync(path.join(config.dataDir, built.storageKey)).size,
    storageKey: built.storageKey,
    keyId: built.keyId,
    rssAfterImportsMb: mb(rssAfterImports),
    sampledPeakRssMb: mb(peak),
  };
  console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  const { createWriteStream, mkdtempSync, rmSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { pipeline } = await import('node:stream/promises');
  const { openDatabase } = await import('../src/db/client.ts');
  const { migrateDatabase } = await import('../src/db/migrate.ts');
  const { fulfilmentTasks, requests } = await import('../src/db/schema.ts');
  const { verifyBundle } = await import('../src/exports/export-verify.ts');
  const { createFileStore } = await import('../src/exports/file-store.ts');
  const { byScale, freshDatabase, record } = await import('./lib/harness.ts');

  const rows = Number(process.env.BENCH_EXPORT_ROWS ?? byScale(1_000_000, 20_000));
  const secret = 'bench-secret-key-that-is-long-enough-0123456789';
  // About 200 bytes of JSON per row, four collections of a product database, in insertion order.
  const seedSql = `
    insert into collected_records (task_id, collection, data)
    select $1::uuid, (array['events','orders','sessions','messages'])[1 + g % 4],
      jsonb_build_object(
        'id', g,
        'email', 'zoe@example.org',
        'name', 'Zoë Łukasiewicz',
        'created_at', to_char(timestamp '2024-01-01' + make_interval(secs => g * 37), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'ip', '203.0.' || (g % 256) || '.' || (g * 7 % 256),
        'amount_cents', (g::bigint * 7919) % 100000,
        'note', 'Order ' || g || ', "gift", ' || md5(g::text),
        'tags', jsonb_build_array('a', 'b' || (g % 10)))
    from generate_series(1, $2::int) as g`;

  const db = await freshDatabase('rd_bench_export');
  const database = await openDatabase({ url: db.url, max: 4 });
  const work = mkdtempSync(path.join(tmpdir(), 'rd-bench-export-'));
  const dataDir = path.join(work, 'data');
  try {
    await migrateDatabase(database);
    const now = new Date();
    const [request] = await database.db
      .insert(requests)
      .values({
        reference: 'RD-BNCH-0001',
        type: 'access',
        law: 'gdpr',
        status: 'processing',
        subjectEmail: 'zoe@example.org',
        receivedAt: now,
        timeZone: 'Europe/Warsaw',
        receivedOn: now.toISOString().slice(0, 10),
      })
      .returning();
    const [task] = await database.db
      .insert(fulfilmentTasks)
      .values({ requestId: request!.id, source: 'product', action: 'access', status: 'done' })
      .returning();
    let t = performance.now();
    await database.executeSql(seedSql, [task!.id, rows]);
    await database.executeSql('analyze collected_records');
    const sized = await database.executeSql(
      'select sum(length(data::text))::bigint as bytes from collected_records',
    );
    const jsonMb = mb(Number(sized.rows[0]!.bytes));
    const seedSeconds = +((performance.now() - t) / 1000).toFixed(1);
    console.log(`seeded ${rows} rows (${jsonMb} MB of JSON as stored) in ${seedSeconds} s`);

    // The build, in its own process.
    const child = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'maxrss_kb=%M',
        process.execPath,
        ...(process.env.BENCH_EXPORT_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--build',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 16 * 2 ** 20,
        env: {
          ...process.env,
          BENCH_EXPORT_URL: db.url,
          BENCH_EXPORT_DATA_DIR: dataDir,
          BENCH_EXPORT_SECRET: secret,
          BENCH_EXPORT_REQUEST: request!.id,
        },
      },
    );
    if (child.status !== 0) throw new Error(`the build failed:\n${child.stderr}`);
    if (process.env.BENCH_EXPORT_DEBUG) console.error(child.stderr, child.stdout);
    const built = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as BuildResult;
    const processPeakRssMb = Math.round(Number(/maxrss_kb=(\d+)/.exec(child.stderr)?.[1]) / 1024);
    const filesBytes = built.files.reduce((n, f) => n + f.size, 0);
    const rightsdesk = {
      seconds: +built.seconds.toFixed(2),
      rowsPerSec: Math.round(rows / built.seconds),
      filesMb: mb(filesBytes),
      filesMbPerSec: +(mb(filesBytes) / built.seconds).toFixed(1),
      zipMb: mb(built.zipBytes),
      encryptedMb: mb(built.encryptedBytes),
      rssAfterImportsMb: built.rssAfterImportsMb,
      sampledPeakRssMb: built.sampledPeakRssMb,
      processPeakRssMb,
    };
    console.log('rightsdesk build:', rightsdesk);

    // The same data.json and CSVs as files on disk, zipped by Info-ZIP at the same deflate level (6).
    const store = createFileStore(dataDir, secret);
    const bundleZip = path.join(work, 'bundle.zip');
    await pipeline(store.read(built.storageKey, built.keyId), createWriteStream(bundleZip));
    const plain = path.join(work, 'plain');
    const unzip = spawnSync('unzip', ['-q', bundleZip, 'data.json', 'csv/*', '-d', plain], {
      encoding: 'utf8',
    });
    if (unzip.status !== 0) throw new Error(`unzip failed: ${unzip.stderr}`);
    const zipInputBytes = built.files
      .filter((f) => f.path === 'data.json' || f.path.startsWith('csv/'))
      .reduce((n, f) => n + f.size, 0);
    t = performance.now();
    const zip = spawnSync(
      '/usr/bin/time',
      ['-f', 'maxrss_kb=%M', 'zip', '-r', '-q', '-6', '../baseline.zip', '.'],
      {
        cwd: plain,
        encoding: 'utf8',
      },
    );
    const zipSeconds = (performance.now() - t) / 1000;
    if (zip.status !== 0) throw new Error(`zip failed: ${zip.stderr}`);
    const baseline = {
      seconds: +zipSeconds.toFixed(2),
      rowsPerSec: Math.round(rows / zipSeconds),
      filesMb: mb(zipInputBytes),
      filesMbPerSec: +(mb(zipInputBytes) / zipSeconds).toFixed(1),
      zipMb: mb(statSync(path.join(work, 'baseline.zip')).size),
      processPeakRssMb: Math.round(Number(/maxrss_kb=(\d+)/.exec(zip.stderr)?.[1]) / 1024),
    };
    console.log('zip -r baseline:', baseline);

    // The bundle verifies against its manifest and the recorded SHA-256.
    t = performance.now();
    const verified = await verifyBundle(bundleZip, { expectedSha256: built.sha256 });
    const verifySeconds = +((performance.now() - t) / 1000).toFixed(2);
    if (!verified.ok) throw new Error('the benchmark bundle does not verify');

    const ratio = +(built.seconds / zipSeconds).toFixed(2);
    const underLimit = processPeakRssMb < RSS_LIMIT_MB;
    console.log(
      `\nexport of ${rows} rows: ${rightsdesk.seconds} s (${rightsdesk.rowsPerSec} rows/s, ` +
        `${rightsdesk.filesMbPerSec} MB/s of bundle files) vs zip -r of data.json + CSVs ${baseline.seconds} s ` +
        `(${baseline.filesMbPerSec} MB/s): ${ratio}× its time; peak RSS ${processPeakRssMb} MB ` +
        `(${rightsdesk.rssAfterImportsMb} MB after imports; limit ${RSS_LIMIT_MB} MB: ${underLimit ? 'ok' : 'EXCEEDED'}); ` +
        `verify ${verifySeconds} s`,
    );
    await record('export', {
      rows,
      jsonMb,
      seedSeconds,
      rightsdesk,
      baseline,
      ratio,
      rssLimitMb: RSS_LIMIT_MB,
      underLimit,
      verifySeconds,
    });
    if (!underLimit) process.exitCode = 1;
  } finally {
    await database.close();
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
