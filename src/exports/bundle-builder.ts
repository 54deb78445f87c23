import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { FulfilmentTaskRow } from '../db/schema.ts';
import type { Receipt } from '../fulfilment/connector.ts';
import { buildAbout, type SourceCollection, sourceCategories } from './bundle-about.ts';
import { csvChunks } from './bundle-csv.ts';
import {
  PREVIEW_COLUMNS,
  PREVIEW_ROWS,
  type PreviewSource,
  previewCell,
  renderAbout,
  renderIndex,
} from './bundle-html.ts';
import { dataJsonChunks, type PlannedSource } from './bundle-json.ts';
import {
  createMeter,
  MANIFEST_FORMAT,
  MANIFEST_PATH,
  manifestJson,
  uniqueSegments,
} from './bundle-manifest.ts';
import { collectionKeys, countCollections, pageCollection } from './bundle-repo.ts';
import { loadDataMap, resolveDataMap } from './data-map.ts';
import type { BuildBundle, BuildDeps, BundleFile, Manifest } from './exports-contract.ts';

// The bundle of an access request, streamed: the database is read a page at a time into the ZIP
// writer, whose output is hashed on its way into the encrypted store. Each file is hashed as it is
// written, so manifest.json (written last) lists every other file with its size and SHA-256.
//
//   index.html   the overview a person opens first (offline; previews of each collection)
//   about.html   the GDPR Art. 15(1)/(2) information, about.json the same for machines
//   data.json    everything by source and collection
//   csv/<source>/<collection>.csv
//   manifest.json

/** Collections of each task with row counts and columns; the empty ones its receipt names too. */
async function planSources(deps: BuildDeps, tasks: FulfilmentTaskRow[]): Promise<PlannedSource[]> {
  const counts = await countCollections(
    deps.db,
    tasks.map((t) => t.id),
  );
  const sourceDirs = uniqueSegments(tasks.map((t) => t.source));
  const planned: PlannedSource[] = [];
  for (const [i, task] of tasks.entries()) {
    const rows = new Map(counts.filter((c) => c.taskId === task.id).map((c) => [c.collection, c.rows]));
    const receipt = task.receipt as Receipt | null;
    for (const c of Array.isArray(receipt?.collections) ? receipt.collections : []) {
      if (typeof c?.collection === 'string' && !rows.has(c.collection)) rows.set(c.collection, 0);
    }
    const names = [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const files = uniqueSegments(names);
    const collections = [];
    for (const [k, collection] of names.entries()) {
      const n = rows.get(collection) ?? 0;
      collections.push({
        collection,
        rows: n,
        columns: n > 0 ? await collectionKeys(deps.db, task.id, collection) : [],
        ...(n > 0 ? { csvPath: `csv/${sourceDirs[i]}/${files[k]}.csv` } : {}),
      });
    }
    planned.push({ taskId: task.id, source: task.source, collections });
  }
  return planned;
}

async function previews(deps: BuildDeps, planned: PlannedSource[]) {
  let cutCells = false;
  const sources: Omit<PreviewSource, 'description'>[] = [];
  for (const source of planned) {
    const collections = [];
    for (const c of source.collections) {
      const rows =
        c.rows > 0 ? await pageCollection(deps.db, source.taskId, c.collection, undefined, PREVIEW_ROWS) : [];
      const columns = c.columns.slice(0, PREVIEW_COLUMNS);
      const preview = rows.map((row) =>
        columns.map((column) => {
          const data =
            row.data !== null && typeof row.data === 'object' ? (row.data as Record<string, unknown>) : {};
          const { text, cut } = previewCell(data[column]);
          cutCells ||= cut;
          return text;
        }),
      );
      collections.push({
        collection: c.collection,
        rows: c.rows,
        csvPath: c.csvPath ?? '',
        columns: c.columns,
        preview,
      });
    }
    sources.push({ source: source.source, collections });
  }
  return { sources, cutCells };
}

export const buildBundle: BuildBundle = async (deps, request, taskRows) => {
  const now = deps.now();
  const generatedAt = now.toISOString();
  const lang = deps.i18n.has(request.locale) ? request.locale : 'en';
  const tasks = [...taskRows].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const dataMap = resolveDataMap(loadDataMap(deps.config.dataMapFile, deps.i18n), lang);

  const planned = await planSources(deps, tasks);
  const preview = await previews(deps, planned);
  const collectionsByTask = new Map<string, SourceCollection[]>(
    planned.map((s) => [
      s.taskId,
      s.collections.map((c) => ({ collection: c.collection, rows: c.rows, fields: c.columns })),
    ]),
  );
  const about = buildAbout({
    request,
    generatedAt,
    orgName: deps.config.orgName,
    i18n: deps.i18n,
    dataMap,
    declared: await sourceCategories(deps.config),
    tasks,
    collections: collectionsByTask,
  });
  const common = { i18n: deps.i18n, lang, orgName: deps.config.orgName, timeZone: request.timeZone };
  const indexHtml = renderIndex({
    ...common,
    reference: request.reference,
    law: request.law,
    generatedAt,
    cutCells: preview.cutCells,
    sources: preview.sources.map((s) => {
      const description = dataMap.systems[s.source]?.description;
      return description ? { ...s, description } : s;
    }),
  });
  const aboutHtml = renderAbout({ ...common, about });

  const storageKey = `exports/${request.id}/${randomUUID()}.zip.enc`;
  const zip = new ZipFile();
  const files: BundleFile[] = [];
  const zipMeter = createMeter();
  let current: Readable | undefined;
  // Any failure (a query, the store, the disk) ends the whole build: the store drops its temp file.
  const fail = (error: Error) => {
    current?.destroy();
    if (!zipMeter.stream.destroyed) zipMeter.stream.destroy(error);
  };
  (zip.outputStream as Readable).pipe(zipMeter.stream);
  const stored = deps.store.write(storageKey, zipMeter.stream);
  stored.catch(fail);

  const options = { mtime: now, compress: true };
  // yazl asks for each file's stream only when that file's turn comes, so one is open at a time.
  const add = (path: string, produce: () => Readable) => {
    zip.addReadStreamLazy(path, options, (callback) => {
      const source = produce();
      current = source;
      const meter = createMeter((measure) => files.push({ path, ...measure }));
      source.once('error', fail);
      meter.stream.once('error', fail);
      callback(null, source.pipe(meter.stream));
    });
  };
  const text = (content: string) => () => Readable.from([Buffer.from(content, 'utf8')]);
  const streamed = (chunks: AsyncGenerator<string>) => () => Readable.from(chunks, { objectMode: false });

  add('index.html', text(indexHtml));
  add('about.html', text(aboutHtml));
  add('about.json', text(`${JSON.stringify(about, null, 2)}\n`));
  add(
    'data.json',
    streamed(
      dataJsonChunks(deps.db, { reference: request.reference, law: request.law, generatedAt }, planned),
    ),
  );
  for (const source of planned) {
    for (const c of source.collections) {
      if (c.csvPath) add(c.csvPath, streamed(csvChunks(deps.db, source.taskId, c.collection, c.columns)));
    }
  }
  let manifest: Manifest | undefined;
  zip.addReadStreamLazy(MANIFEST_PATH, options, (callback) => {
    manifest = {
      format: MANIFEST_FORMAT,
      reference: request.reference,
      law: request.law,
      type: 'access',
      locale: request.locale,
      generatedAt,
      files: [...files],
    };
    callback(null, Readable.from([manifestJson(manifest)]));
  });
  zip.end();

  const { keyId } = await stored;
  const { size, sha256 } = await zipMeter.done;
  if (!manifest) throw new Error('the bundle was stored without its manifest');
  deps.logger.info(
    { requestId: request.id, storageKey, files: files.length + 1, size },
    'export bundle built',
  );
  return { storageKey, keyId, size, sha256, manifest };
};
