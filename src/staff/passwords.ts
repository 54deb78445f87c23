import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { z } from 'zod';

// Algorithm 2 = Argon2id; memory and time cost per OWASP's argon2id baseline (19 MiB, t=2).
const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// ASVS V2.1.1–V2.1.2: at least 12 characters, at least 64 allowed, more than 128 denied. Characters
// are counted as code points, so an emoji is one.
export const passwordSchema = z
  .string()
  .refine((p) => [...p].length >= 12, 'must be at least 12 characters')
  .refine((p) => [...p].length <= 128, 'must be at most 128 characters');

// zxcvbn's estimate against its lists of leaked passwords and keyboard patterns (ASVS V2.1.7, NIST
// 800-63B §5.1.1.2). Score 3 is about 10^8 guesses: out of reach online, not a weak dictionary word
// with digits added. Built on first use: the lists take ~90 ms to load.
export const minimumStrength = 3;
let estimator: ZxcvbnFactory | undefined;

/** How guessable a password is, 0–4, counting words from the account (email, its parts) as known. */
export function passwordStrength(password: string, known: readonly string[] = []): number {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  const words = known
    .flatMap((k) => [k, ...k.split('@'), ...k.split(/[@.+_-]/)])
    .filter((w) => w.length >= 3);
  // zxcvbn's cost grows with length: the first 100 characters are judged (weak there is refused).
  return estimator.check(password.slice(0, 100), words).score;
}

/** The password rules for an account with this email: length, then not common or built from the email. */
export function passwordSchemaFor(email: string) {
  return passwordSchema.refine((p) => passwordStrength(p, [email]) >= minimumStrength, {
    message:
      'is too easy to guess: it is a common or leaked password, a keyboard pattern, or built from the email address; use a passphrase of several unrelated words',
  });
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Checked when the email is unknown, so a wrong email costs the same time as a wrong password.
let dummy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('not-a-real-password-0000');
  await verifyPassword(await dummy, password);
}
