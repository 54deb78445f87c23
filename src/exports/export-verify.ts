import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { MANIFEST_PATH, manifestSchema } from './bundle-manifest.ts';
import type { Manifest } from './exports-contract.ts';

// `rightsdesk export verify FILE.zip`: checks a bundle against its manifest. Every entry is read and
// hashed (streamed); the manifest is parsed as hostile input. The check proves the files are the
// ones the manifest lists; that the manifest itself is the one Rightsdesk made is what the ZIP's own
// SHA-256 (recorded when it was built, compared with --sha256) proves.

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export type FileStatus = 'ok' | 'size_mismatch' | 'hash_mismatch' | 'missing' | 'unreadable';

export type FileCheck = {
  path: string;
  status: FileStatus;
  expected: { size: number; sha256: string };
  actual?: { size: number; sha256: string };
  error?: string;
};

export type VerifyReport = {
  ok: boolean;
  file: string;
  /** The SHA-256 and size of the ZIP file itself. */
  sha256: string;
  size: number;
  /** Set when an expected SHA-256 of the whole ZIP was given. */
  sha256Matches?: boolean;
  manifest?: Pick<Manifest, 'format' | 'reference' | 'law' | 'type' | 'locale' | 'generatedAt'>;
  files: FileCheck[];
  /** In the ZIP but not in the manifest. */
  unlisted: string[];
  /** Problems that are not about one listed file: no manifest, a bad one, duplicate or unsafe names. */
  problems: string[];
};

/** The input could not be read as a ZIP at all (exit 2), as opposed to a bundle that does not match. */
export class UnreadableBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableBundleError';
  }
}

type Actual = { size: number; sha256: string } | { error: string };

const openZip = (file: string) =>
  new Promise<ZipFile>((resolve, reject) => {
    yauzl.open(
      file,
      {
        lazyEntries: true,
        autoClose: true,
        decodeStrings: true,
        validateEntrySizes: true,
        strictFileNames: false,
      },
      (error, zip) => (error ? reject(error) : resolve(zip)),
    );
  });

const openEntry = (zip: ZipFile, entry: Entry) =>
  new Promise<Readable>((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream)));
  });

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
    }
  });
  return { size, sha256: hash.digest('hex') };
}

/** Reads every entry once: hashes all, keeps the manifest's bytes. */
async function readEntries(file: string) {
  let zip: ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    throw new UnreadableBundleError(`cannot read ${file} as a ZIP: ${(error as Error).message}`);
  }
  const actual = new Map<string, Actual>();
  const duplicates: string[] = [];
  let manifestBytes: Buffer | undefined;
  let manifestTooBig = false;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (error: Error) =>
      reject(new UnreadableBundleError(`the ZIP is damaged: ${error.message}`)),
    );
    zip.on('end', () => resolve());
    zip.on('entry', (entry: Entry) => {
      const name = entry.fileName;
      if (actual.has(name)) duplicates.push(name);
      if (name.endsWith('/')) {
        zip.readEntry();
        return;
      }
      void (async () => {
        const hash = createHash('sha256');
        let size = 0;
        const keep: Buffer[] = [];
        try {
          const stream = await openEntry(zip, entry);
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            hash.update(chunk);
            size += chunk.length;
            if (name === MANIFEST_PATH) {
              if (size > MAX_MANIFEST_BYTES) manifestTooBig = true;
              else keep.push(chunk);
            }
          }
          actual.set(name, { size, sha256: hash.digest('hex') });
          if (name === MANIFEST_PATH && !manifestTooBig) manifestBytes = Buffer.concat(keep);
        } catch (error) {
          actual.set(name, { error: (error as Error).message });
        }
        zip.readEntry();
      })();
    });
    zip.readEntry();
  });
  return { actual, duplicates, manifestBytes, manifestTooBig };
}

const unsafeName = (name: string) =>
  name.startsWith('/') || name.includes('\\') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..');

/** Checks `file` against its manifest; throws UnreadableBundleError when it is not a readable ZIP. */
export async function verifyBundle(
  file: string,
  options: { expectedSha256?: string } = {},
): Promise<VerifyReport> {
  let whole: { size: number; sha256: string };
  try {
    whole = await hashFile(file);
  } catch (error) {
    throw new UnreadableBundleError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const { actual, duplicates, manifestBytes, manifestTooBig } = await readEntries(file);
  const problems: string[] = [];
  for (const name of new Set(duplicates)) problems.push(`${name} appears more than once in the ZIP`);
  for (const name of actual.keys())
    if (unsafeName(name)) problems.push(`unsafe file name in the ZIP: ${name}`);

  let manifest: Manifest | undefined;
  const manifestEntry = actual.get(MANIFEST_PATH);
  if (!manifestEntry) problems.push(`${MANIFEST_PATH} is missing`);
  else if ('error' in manifestEntry) problems.push(`${MANIFEST_PATH} cannot be read: ${manifestEntry.error}`);
  else if (manifestTooBig || !manifestBytes) problems.push(`${MANIFEST_PATH} is too large`);
  else {
    let raw: unknown;
    try {
      raw = JSON.parse(manifestBytes.toString('utf8'));
    } catch {
      problems.push(`${MANIFEST_PATH} is not valid JSON`);
    }
    if (raw !== undefined) {
      const parsed = manifestSchema.safeParse(raw);
      if (parsed.success) manifest = parsed.data;
      else {
        const issue = parsed.error.issues[0]!;
        problems.push(
          `${MANIFEST_PATH} is not a bundle manifest (${issue.path.join('.') || 'root'}: ${issue.message})`,
        );
      }
    }
  }

  const files: FileCheck[] = [];
  const listed = new Set<string>();
  for (const expected of manifest?.files ?? []) {
    if (listed.has(expected.path)) problems.push(`${expected.path} is listed twice in the manifest`);
    listed.add(expected.path);
    const got = actual.get(expected.path);
    const base = { path: expected.path, expected: { size: expected.size, sha256: expected.sha256 } };
    if (expected.path === MANIFEST_PATH) problems.push(`the manifest lists itself`);
    if (!got) files.push({ ...base, status: 'missing' });
    else if ('error' in got) files.push({ ...base, status: 'unreadable', error: got.error });
    else {
      const status: FileStatus =
        got.size !== expected.size
          ? 'size_mismatch'
          : got.sha256 !== expected.sha256
            ? 'hash_mismatch'
            : 'ok';
      files.push({ ...base, status, actual: got });
    }
  }
  const unlisted = [...actual.keys()].filter((name) => name !== MANIFEST_PATH && !listed.has(name));
  const expectedSha256 = options.expectedSha256?.toLowerCase();
  const sha256Matches = expectedSha256 === undefined ? undefined : expectedSha256 === whole.sha256;
  const ok =
    manifest !== undefined &&
    problems.length === 0 &&
    unlisted.length === 0 &&
    files.every((f) => f.status === 'ok') &&
    sha256Matches !== false;
  return {
    ok,
    file,
    sha256: whole.sha256,
    size: whole.size,
    ...(sha256Matches === undefined ? {} : { sha256Matches }),
    ...(manifest
      ? {
          manifest: {
            format: manifest.format,
            reference: manifest.reference,
            law: manifest.law,
            type: manifest.type,
            locale: manifest.locale,
            generatedAt: manifest.generatedAt,
          },
        }
      : {}),
    files,
    unlisted,
    problems,
  };
}

const statusText: Record<Exclude<FileStatus, 'ok'>, string> = {
  size_mismatch: 'size differs from the manifest',
  hash_mismatch: 'SHA-256 differs from the manifest',
  missing: 'listed in the manifest but not in the ZIP',
  unreadable: 'cannot be read from the ZIP',
};

/** The short human report. */
export function formatReport(report: VerifyReport): string {
  const lines: string[] = [];
  const m = report.manifest;
  if (m) lines.push(`bundle ${m.reference} (${m.law}, ${m.locale}, generated ${m.generatedAt})`);
  lines.push(`zip sha256 ${report.sha256} (${report.size} bytes)`);
  for (const problem of report.problems) lines.push(`PROBLEM   ${problem}`);
  for (const f of report.files) {
    if (f.status !== 'ok')
      lines.push(`MISMATCH  ${f.path}: ${statusText[f.status]}${f.error ? ` (${f.error})` : ''}`);
  }
  for (const name of report.unlisted) lines.push(`UNLISTED  ${name}: in the ZIP but not in the manifest`);
  if (report.sha256Matches === false) lines.push('MISMATCH  the ZIP file is not the one expected (--sha256)');
  const bad = report.files.filter((f) => f.status !== 'ok').length;
  lines.push(
    report.ok
      ? `ok: ${report.files.length} files match the manifest${report.sha256Matches ? ' and the ZIP matches --sha256' : ''}`
      : `FAILED: ${bad} of ${report.files.length} files do not match, ${report.unlisted.length} unlisted, ${report.problems.length} other problems`,
  );
  return `${lines.join('\n')}\n`;
}
