import { describe, expect, it } from 'vitest';
import { keysetPages } from '../../../src/exports/bundle-repo.ts';

const source = (n: number) => {
  const rows = Array.from({ length: n }, (_, i) => ({ id: i + 1 }));
  const calls: (number | undefined)[] = [];
  const fetch = async (after: number | undefined) => {
    calls.push(after);
    return rows.filter((r) => r.id > (after ?? 0)).slice(0, 10);
  };
  return { rows, calls, fetch };
};

describe('keysetPages', () => {
  it.each([0, 9, 10, 11, 20, 25])('reads %i rows once each, in order', async (n) => {
    const { rows, calls, fetch } = source(n);
    const seen: number[] = [];
    for await (const page of keysetPages(fetch, 10)) seen.push(...page.map((r) => r.id));
    expect(seen).toEqual(rows.map((r) => r.id));
    // A short page is the last one: no extra query after it.
    expect(calls.length).toBe(n % 10 === 0 ? n / 10 + 1 : Math.ceil(n / 10));
  });

  it('asks for the next page before the caller is done with this one', async () => {
    const { calls, fetch } = source(30);
    const pages = keysetPages(fetch, 10);
    await pages.next();
    expect(calls).toEqual([undefined, 10]);
  });

  it('a caller that stops early leaves no unhandled rejection behind', async () => {
    let n = 0;
    const pages = keysetPages(async () => {
      n++;
      if (n > 1) throw new Error('gone');
      return Array.from({ length: 10 }, (_, i) => ({ id: i + 1 }));
    }, 10);
    await pages.next();
    await pages.return(undefined);
    await new Promise((r) => setTimeout(r, 10));
    // And one that goes on sees the error.
    n = 0;
    const again = keysetPages(async () => {
      n++;
      if (n > 1) throw new Error('gone');
      return Array.from({ length: 10 }, (_, i) => ({ id: i + 1 }));
    }, 10);
    await again.next();
    await expect(again.next()).rejects.toThrow('gone');
  });
});
