import { randomInt } from 'node:crypto';

// No 0/O, 1/I/L, U: a reference read over the phone or copied by hand stays unambiguous.
export const referenceAlphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

export type RandomInt = (maxExclusive: number) => number;

/** e.g. RD-7K3M-Q9XP: 30^8 ≈ 6.6e11 possibilities. Uniqueness is enforced by the database. */
export function newReference(random: RandomInt = randomInt): string {
  const pick = () => referenceAlphabet[random(referenceAlphabet.length)];
  const group = () => Array.from({ length: 4 }, pick).join('');
  return `RD-${group()}-${group()}`;
}

export function normaliseReference(input: string): string | undefined {
  const compact = input.trim().toUpperCase().replace(/[\s-]/g, '');
  const body = compact.startsWith('RD') ? compact.slice(2) : compact;
  if (body.length !== 8 || [...body].some((c) => !referenceAlphabet.includes(c))) return undefined;
  return `RD-${body.slice(0, 4)}-${body.slice(4)}`;
}
