import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BundleIntegrityError, SEGMENT_SIZE } from '../../../src/exports/crypto-stream.ts';
import { createFileStore, StoreKeyError } from '../../../src/exports/file-store.ts';

const secret = 'test-secret-key-that-is-long-enough-0123456789';
const newDir = () => mkdtempSync(path.join(tmpdir(), 'rd-store-'));
const key = 'exports/3f2a6d1e-0000-4000-8000-000000000001/b1.zip.enc';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Uncompressed text, so the test proves the encryption and not the ZIP's compression hides it.
const plaintext = Buffer.from(
  Array.from({ length: 4000 }, (_, i) => `row ${i}: Zoë Łukasiewicz <zoe@example.org> 🙂\n`).join(''),
);

describe('file store', () => {
  it('stores encrypted, durably under DATA_DIR/exports, and reads back the plaintext', async () => {
    const dir = newDir();
    const store = createFileStore(dir, secret);
    const { keyId, encryptedBytes } = await store.write(key, Readable.from([plaintext]));
    const file = path.join(dir, key);
    const raw = readFileSync(file);
    expect(raw.length).toBe(encryptedBytes);
    expect(raw.subarray(0, 4).toString()).toBe('RDX1');
    expect(raw.includes(Buffer.from('zoe@example.org'))).toBe(false);
    expect(raw.includes(Buffer.from('Łukasiewicz'))).toBe(false);
    expect(raw.includes(Buffer.from('row 1'))).toBe(false);
    // No temp file left beside it.
    expect(readdirSync(path.dirname(file))).toEqual(['b1.zip.enc']);
    expect(await store.exists(key)).toBe(true);
    expect((await readAll(store.read(key, keyId))).equals(plaintext)).toBe(true);
  });

  it.each([
    ['a flipped byte', (file: string) => flipByte(file, 200)],
    ['a flipped last byte', (file: string) => flipByte(file, -1)],
    ['truncation', (file: string) => truncateSync(file, readFileSync(file).length - 1)],
    [
      'truncation at a segment boundary',
      (file: string) => truncateSync(file, 4 + 1 + 19 + 12 + SEGMENT_SIZE + 16),
    ],
  ])('read() errors after %s', async (_name, tamper) => {
    const dir = newDir();
    const store = createFileStore(dir, secret);
    const { keyId } = await store.write(key, Readable.from([plaintext]));
    tamper(path.join(dir, key));
    await expect(readAll(store.read(key, keyId))).rejects.toBeInstanceOf(BundleIntegrityError);
  });

  it('read() errors on a missing object and a wrong key id', async () => {
    const dir = newDir();
    const store = createFileStore(dir, secret);
    await expect(readAll(store.read(key, 'v1.0000000000000000'))).rejects.toMatchObject({ code: 'ENOENT' });
    await store.write(key, Readable.from([plaintext]));
    await expect(readAll(store.read(key, 'v1.0000000000000000'))).rejects.toBeInstanceOf(
      BundleIntegrityError,
    );
  });

  it('keeps bundles of a previous SECRET_KEY readable when it is given', async () => {
    const dir = newDir();
    const old = createFileStore(dir, secret);
    const { keyId } = await old.write(key, Readable.from([plaintext]));
    const rotated = createFileStore(dir, 'the-new-secret-key-that-is-long-enough-01234', {
      previousSecretKeys: [secret],
    });
    expect((await readAll(rotated.read(key, keyId))).equals(plaintext)).toBe(true);
    const { keyId: newId } = await rotated.write('exports/r/new.zip.enc', Readable.from(['x']));
    expect(newId).not.toBe(keyId);
    const forgotten = createFileStore(dir, 'the-new-secret-key-that-is-long-enough-01234');
    await expect(readAll(forgotten.read(key, keyId))).rejects.toThrow(/no key for key id/);
  });

  it('leaves nothing behind when the plaintext stream fails', async () => {
    const dir = newDir();
    const store = createFileStore(dir, secret);
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(SEGMENT_SIZE * 2));
        this.destroy(new Error('database went away'));
      },
    });
    await expect(store.write(key, failing)).rejects.toThrow('database went away');
    expect(await store.exists(key)).toBe(false);
    expect(readdirSync(path.join(dir, path.dirname(key)))).toEqual([]);
  });

  it.each([
    '../secret.key',
    'exports/../secret.key',
    'exports/../../etc/passwd',
    '/etc/passwd',
    'exports//x',
    'exports/.hidden',
    'exports/a/..',
    'exports/a\\b',
    'pglite/base',
    'exports',
    'exports/a b',
    '',
  ])('refuses the key %j', async (bad) => {
    const dir = newDir();
    const store = createFileStore(dir, secret);
    await expect(store.write(bad, Readable.from(['x']))).rejects.toBeInstanceOf(StoreKeyError);
    await expect(store.exists(bad)).rejects.toBeInstanceOf(StoreKeyError);
    await expect(store.delete(bad)).rejects.toBeInstanceOf(StoreKeyError);
    await expect(readAll(store.read(bad, 'v1.x'))).rejects.toBeInstanceOf(StoreKeyError);
  });

  it('deletes an object (and its emptied directory); deleting twice is fine', async () => {
    const dir = newDir();
    const store = createFileStore(dir, secret);
    await store.write(key, Readable.from([plaintext]));
    await store.write('exports/3f2a6d1e-0000-4000-8000-000000000001/b2.zip.enc', Readable.from(['y']));
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    expect(await store.exists('exports/3f2a6d1e-0000-4000-8000-000000000001/b2.zip.enc')).toBe(true);
    await store.delete('exports/3f2a6d1e-0000-4000-8000-000000000001/b2.zip.enc');
    await store.delete(key);
    expect(readdirSync(path.join(dir, 'exports'))).toEqual([]);
  });
});

function flipByte(file: string, at: number) {
  const raw = readFileSync(file);
  const i = at < 0 ? raw.length + at : at;
  raw[i] = raw[i]! ^ 0x01;
  writeFileSync(file, raw);
}
