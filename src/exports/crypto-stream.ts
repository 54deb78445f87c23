import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

// Encryption at rest of export bundles: AES-256-GCM in 64 KiB segments (the STREAM construction).
//
//   header   "RDX1" | keyId length (1 byte) | keyId (ASCII) | base nonce (12 bytes)
//   segment  ciphertext (64 KiB; the last one 0..64 KiB) | tag (16 bytes)
//
// Segment i is sealed with nonce = base nonce XOR i (in its last 8 bytes) and the additional data
// header | i (8 bytes) | last (1 byte). So a segment moved, dropped, repeated or cut off, an extra
// one appended, or a changed header fails its tag; and each segment is authenticated before any of
// its plaintext leaves the decrypting stream.

export const MAGIC = Buffer.from('RDX1', 'ascii');
export const SEGMENT_SIZE = 64 * 1024;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const KEY_INFO = 'rightsdesk:exports:v1';

/** A stored bundle failed authentication: tampered with, truncated, or not a bundle at all. */
export class BundleIntegrityError extends Error {
  readonly code = 'ERR_BUNDLE_INTEGRITY';
  constructor(message: string) {
    super(message);
    this.name = 'BundleIntegrityError';
  }
}

export type ExportKey = { keyId: string; key: Buffer };

/**
 * The bundle key derived from SECRET_KEY (HKDF-SHA256, info `rightsdesk:exports:v1`). Its id is
 * `v1.` plus a short hash of the derived key: a new SECRET_KEY gets a new id, so a store that is
 * also given the previous secret can still read the bundles made under it.
 */
export function deriveExportKey(secretKey: string): ExportKey {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), KEY_INFO, 32));
  const keyId = `v1.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return { keyId, key };
}

function nonceFor(base: Buffer, index: number): Buffer {
  const nonce = Buffer.from(base);
  const counter = nonce.readBigUInt64BE(NONCE_SIZE - 8) ^ BigInt(index);
  nonce.writeBigUInt64BE(counter, NONCE_SIZE - 8);
  return nonce;
}

function aadFor(header: Buffer, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail[8] = last ? 1 : 0;
  return Buffer.concat([header, tail]);
}

function headerFor(keyId: string, baseNonce: Buffer): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  if (id.length === 0 || id.length > 255 || !/^[\x21-\x7e]+$/.test(keyId)) throw new Error('bad key id');
  return Buffer.concat([MAGIC, Buffer.from([id.length]), id, baseNonce]);
}

/** Plaintext in, the encrypted format out. */
export function createEncryptStream(exportKey: ExportKey): Transform {
  const header = headerFor(exportKey.keyId, randomBytes(NONCE_SIZE));
  const baseNonce = header.subarray(header.length - NONCE_SIZE);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;

  const seal = (plaintext: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', exportKey.key, nonceFor(baseNonce, index), {
      authTagLength: TAG_SIZE,
    });
    cipher.setAAD(aadFor(header, index, last));
    const out = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    index++;
    return out;
  };

  return new Transform({
    construct(callback) {
      this.push(header);
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      // A segment is sealed only once more bytes follow it: the last one is sealed in flush, as last.
      if (pendingBytes > SEGMENT_SIZE) {
        let all = Buffer.concat(pending);
        while (all.length > SEGMENT_SIZE) {
          this.push(seal(all.subarray(0, SEGMENT_SIZE), false));
          all = all.subarray(SEGMENT_SIZE);
        }
        pending = [all];
        pendingBytes = all.length;
      }
      callback();
    },
    flush(callback: TransformCallback) {
      this.push(seal(Buffer.concat(pending), true));
      pending = [];
      callback();
    },
  });
}

/**
 * The encrypted format in, plaintext out. `keyFor` returns the key of a key id (or undefined when it
 * is unknown); `expectedKeyId`, when given, must be the one in the header. Errors with
 * BundleIntegrityError, before emitting anything of it, on a segment that does not authenticate.
 */
export function createDecryptStream(
  keyFor: (keyId: string) => Buffer | undefined,
  expectedKeyId?: string,
): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let baseNonce: Buffer | undefined;
  let key: Buffer | undefined;
  let index = 0;

  const open = (segment: Buffer, last: boolean): Buffer => {
    if (segment.length < TAG_SIZE) throw new BundleIntegrityError('the bundle is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key!, nonceFor(baseNonce!, index), {
      authTagLength: TAG_SIZE,
    });
    decipher.setAAD(aadFor(header!, index, last));
    decipher.setAuthTag(segment.subarray(segment.length - TAG_SIZE));
    const body = decipher.update(segment.subarray(0, segment.length - TAG_SIZE));
    try {
      // Only now is the segment known to be authentic; nothing of it was pushed before this line.
      const rest = decipher.final();
      index++;
      return rest.length > 0 ? Buffer.concat([body, rest]) : body;
    } catch {
      throw new BundleIntegrityError(
        `the bundle failed authentication at segment ${index} (tampered with, truncated or the wrong key)`,
      );
    }
  };

  const readHeader = (): boolean => {
    if (buffered.length < MAGIC.length + 1) return false;
    if (!buffered.subarray(0, MAGIC.length).equals(MAGIC))
      throw new BundleIntegrityError('not an encrypted Rightsdesk bundle (bad magic)');
    const idLength = buffered[MAGIC.length]!;
    const size = MAGIC.length + 1 + idLength + NONCE_SIZE;
    if (buffered.length < size) return false;
    header = Buffer.from(buffered.subarray(0, size));
    const keyId = header.subarray(MAGIC.length + 1, MAGIC.length + 1 + idLength).toString('ascii');
    if (expectedKeyId !== undefined && keyId !== expectedKeyId)
      throw new BundleIntegrityError(`the bundle names key ${keyId}, not ${expectedKeyId}`);
    key = keyFor(keyId);
    if (!key) throw new BundleIntegrityError(`no key for key id ${keyId} (was SECRET_KEY changed?)`);
    baseNonce = header.subarray(size - NONCE_SIZE);
    buffered = buffered.subarray(size);
    return true;
  };

  const full = SEGMENT_SIZE + TAG_SIZE;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        if (!header && !readHeader()) return callback();
        // A full segment followed by more bytes is not the last one.
        while (buffered.length > full) {
          this.push(open(buffered.subarray(0, full), false));
          buffered = buffered.subarray(full);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!header) throw new BundleIntegrityError('the bundle is truncated (no header)');
        this.push(open(buffered, true));
        buffered = Buffer.alloc(0);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
