import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream, deriveExportKey } from './crypto-stream.ts';
import type { BundleStore } from './exports-contract.ts';

/** Every key lives under this prefix, so the store can never reach the database or secret in DATA_DIR. */
export const STORE_PREFIX = 'exports';

// One or more path segments of letters, digits, dot, dash and underscore, none starting with a dot:
// no "..", no absolute paths, no hidden names (the store's own temp files start with a dot).
const segment = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export class StoreKeyError extends Error {
  constructor(key: string) {
    super(`invalid storage key ${JSON.stringify(key.slice(0, 200))}`);
    this.name = 'StoreKeyError';
  }
}

/** The absolute file of a key, or StoreKeyError. */
export function resolveStoreKey(root: string, key: string): string {
  const parts = key.split('/');
  if (
    parts.length < 2 ||
    parts.length > 8 ||
    parts[0] !== STORE_PREFIX ||
    !parts.every((p) => segment.test(p))
  )
    throw new StoreKeyError(key);
  const file = path.resolve(root, ...parts);
  if (!file.startsWith(path.join(path.resolve(root), STORE_PREFIX) + path.sep)) throw new StoreKeyError(key);
  return file;
}

async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Encrypted bundles on the filesystem: key `exports/<request>/<id>.zip.enc` is the file
 * `<dataDir>/exports/<request>/<id>.zip.enc`. A write goes to a temp file in the same directory,
 * is fsynced, renamed into place and the directory fsynced: the object is there whole or not at all.
 * `previousSecretKeys` keep bundles made under an earlier SECRET_KEY readable after a rotation.
 */
export function createFileStore(
  dataDir: string,
  secretKey: string,
  options: { previousSecretKeys?: readonly string[] } = {},
): BundleStore {
  const root = path.resolve(dataDir);
  const current = deriveExportKey(secretKey);
  const keys = new Map(
    [current, ...(options.previousSecretKeys ?? []).map(deriveExportKey)].map((k) => [k.keyId, k.key]),
  );

  return {
    async write(key, plaintext) {
      const file = resolveStoreKey(root, key);
      const dir = path.dirname(file);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = path.join(dir, `.${randomUUID()}.tmp`);
      let encryptedBytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          encryptedBytes += chunk.length;
          callback(null, chunk);
        },
      });
      try {
        await pipeline(
          plaintext,
          createEncryptStream(current),
          counter,
          createWriteStream(temp, { flags: 'wx', mode: 0o600 }),
        );
        await fsyncPath(temp);
        await rename(temp, file);
        await fsyncPath(dir);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw error;
      }
      return { keyId: current.keyId, encryptedBytes };
    },

    read(key, keyId) {
      const out = new PassThrough();
      let file: string;
      try {
        file = resolveStoreKey(root, key);
      } catch (error) {
        process.nextTick(() => out.destroy(error as Error));
        return out;
      }
      pipeline(
        createReadStream(file),
        createDecryptStream((id) => keys.get(id), keyId),
        out,
      ).catch((error: Error) => {
        // pipeline destroys `out` with the error already; this only keeps the rejection handled.
        if (!out.destroyed) out.destroy(error);
      });
      return out as Readable;
    },

    async delete(key) {
      const file = resolveStoreKey(root, key);
      await rm(file, { force: true });
      // The request's directory goes with its last bundle; a sibling still there keeps it.
      await rmdir(path.dirname(file)).catch(() => {});
    },

    async sweep(isLive, olderThan) {
      const top = path.join(root, STORE_PREFIX);
      let swept = 0;
      for (const dir of await readdir(top).catch(() => [] as string[])) {
        if (!segment.test(dir)) continue;
        const full = path.join(top, dir);
        for (const name of await readdir(full).catch(() => [] as string[])) {
          const file = path.join(full, name);
          const info = await stat(file).catch(() => undefined);
          if (!info?.isFile() || info.mtime >= olderThan) continue;
          const temp = /^\.[0-9a-f-]{36}\.tmp$/.test(name);
          if (!temp && (!segment.test(name) || (await isLive(`${STORE_PREFIX}/${dir}/${name}`)))) continue;
          await rm(file, { force: true });
          swept += 1;
        }
        await rmdir(full).catch(() => {});
      }
      return swept;
    },

    async exists(key) {
      const file = resolveStoreKey(root, key);
      try {
        return (await stat(file)).isFile();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
  };
}
