import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BundleIntegrityError,
  createDecryptStream,
  createEncryptStream,
  deriveExportKey,
  SEGMENT_SIZE,
} from '../../../src/exports/crypto-stream.ts';

const key = deriveExportKey('test-secret-key-that-is-long-enough-0123456789');
const keys = (id: string) => (id === key.keyId ? key.key : undefined);
const TAG = 16;

/** Feeds `input` in chunks of the given sizes (cycled) through `transform`; collects the output. */
async function run(
  transform: NodeJS.ReadWriteStream,
  input: Buffer,
  chunkSizes: number[] = [8192],
): Promise<{ output: Buffer; error?: Error }> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunks), transform, async (source: AsyncIterable<Buffer | string>) => {
      for await (const chunk of source) out.push(Buffer.from(chunk));
    });
    return { output: Buffer.concat(out) };
  } catch (error) {
    return { output: Buffer.concat(out), error: error as Error };
  }
}

const encrypt = async (plaintext: Buffer, chunkSizes?: number[]) => {
  const { output, error } = await run(createEncryptStream(key), plaintext, chunkSizes);
  if (error) throw error;
  return output;
};
const decrypt = (ciphertext: Buffer, chunkSizes?: number[], expected?: string) =>
  run(createDecryptStream(keys, expected), ciphertext, chunkSizes);
const headerLength = 4 + 1 + key.keyId.length + 12;

describe('segmented AES-256-GCM stream', () => {
  it.each([0, 1, 100, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE + 17])(
    'round-trips %i bytes',
    async (n) => {
      const plaintext = randomBytes(n);
      const ciphertext = await encrypt(plaintext, [1000, 70_000, 3]);
      const segments = Math.max(1, Math.ceil(n / SEGMENT_SIZE));
      expect(ciphertext.length).toBe(headerLength + n + segments * TAG);
      expect(ciphertext.subarray(0, 4).toString()).toBe('RDX1');
      const { output, error } = await decrypt(ciphertext, [5000, 1, 90_000]);
      expect(error).toBeUndefined();
      expect(output.equals(plaintext)).toBe(true);
    },
  );

  it('round-trips whatever the chunking on both sides', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * SEGMENT_SIZE }),
        fc.array(fc.integer({ min: 1, max: 80_000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 80_000 }), { minLength: 1, maxLength: 5 }),
        async (n, inChunks, outChunks) => {
          const plaintext = randomBytes(n);
          const { output, error } = await decrypt(await encrypt(plaintext, inChunks), outChunks);
          expect(error).toBeUndefined();
          expect(output.equals(plaintext)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never writes the plaintext, and a fresh nonce each time', async () => {
    const plaintext = Buffer.from('Zoë Łukasiewicz zoe@example.org '.repeat(5000));
    const a = await encrypt(plaintext);
    const b = await encrypt(plaintext);
    expect(a.includes(Buffer.from('zoe@example.org'))).toBe(false);
    expect(a.includes(Buffer.from('Łukasiewicz'))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('emits nothing of a segment that fails authentication', async () => {
    const plaintext = randomBytes(3 * SEGMENT_SIZE + 10);
    const ciphertext = await encrypt(plaintext);
    const tampered = Buffer.from(ciphertext);
    // A byte in the middle of the third segment (index 2).
    const at = headerLength + 2 * (SEGMENT_SIZE + TAG) + 100;
    tampered[at] = tampered[at]! ^ 1;
    const { output, error } = await decrypt(tampered);
    expect(error).toBeInstanceOf(BundleIntegrityError);
    expect(error?.message).toMatch(/segment 2/);
    // Only the two authentic segments before it came out.
    expect(output.equals(plaintext.subarray(0, 2 * SEGMENT_SIZE))).toBe(true);
  });

  it.each([
    ['a flipped header byte (the nonce)', (c: Buffer) => flip(c, headerLength - 1)],
    ['a flipped tag byte', (c: Buffer) => flip(c, c.length - 1)],
    ['a flipped byte in the first segment', (c: Buffer) => flip(c, headerLength + 5)],
    ['truncation at a segment boundary', (c: Buffer) => c.subarray(0, headerLength + SEGMENT_SIZE + TAG)],
    ['truncation inside a segment', (c: Buffer) => c.subarray(0, c.length - 100)],
    ['truncation to the header', (c: Buffer) => c.subarray(0, headerLength)],
    ['truncation inside the header', (c: Buffer) => c.subarray(0, 7)],
    ['an empty file', () => Buffer.alloc(0)],
    ['bytes appended', (c: Buffer) => Buffer.concat([c, Buffer.from('x')])],
    [
      'two segments swapped',
      (c: Buffer) => {
        const s = SEGMENT_SIZE + TAG;
        const first = c.subarray(headerLength, headerLength + s);
        const second = c.subarray(headerLength + s, headerLength + 2 * s);
        return Buffer.concat([c.subarray(0, headerLength), second, first, c.subarray(headerLength + 2 * s)]);
      },
    ],
    ['a bad magic', (c: Buffer) => Buffer.concat([Buffer.from('PK\x03\x04'), c.subarray(4)])],
  ])('detects %s', async (_name, tamper) => {
    const ciphertext = await encrypt(randomBytes(2 * SEGMENT_SIZE + 500));
    const { error } = await decrypt(tamper(ciphertext));
    expect(error).toBeInstanceOf(BundleIntegrityError);
  });

  it('refuses an unknown key id and a key id other than the expected one', async () => {
    const ciphertext = await encrypt(Buffer.from('hello'));
    const other = deriveExportKey('another-secret-key-that-is-long-enough-000000');
    const unknown = await run(
      createDecryptStream((id) => (id === other.keyId ? other.key : undefined)),
      ciphertext,
    );
    expect(unknown.error).toBeInstanceOf(BundleIntegrityError);
    expect(unknown.error?.message).toMatch(/no key for key id/);
    const mismatch = await decrypt(ciphertext, undefined, other.keyId);
    expect(mismatch.error?.message).toMatch(/names key/);
    // The right key under the wrong id still fails: the header is authenticated.
    const swapped = await run(
      createDecryptStream(() => other.key),
      ciphertext,
    );
    expect(swapped.error).toBeInstanceOf(BundleIntegrityError);
  });

  it('derives a stable key and key id per secret', () => {
    const again = deriveExportKey('test-secret-key-that-is-long-enough-0123456789');
    expect(again.keyId).toBe(key.keyId);
    expect(again.key.equals(key.key)).toBe(true);
    expect(key.keyId).toMatch(/^v1\.[0-9a-f]{16}$/);
    expect(deriveExportKey('another-secret-key-that-is-long-enough-000000').keyId).not.toBe(key.keyId);
  });
});

function flip(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at]! ^ 0x80;
  return copy;
}
