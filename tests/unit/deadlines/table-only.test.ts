import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAW_IDS } from '../../../src/deadlines/rules.ts';

// DESIGN principle 2: the law is data. Only the rules table may name a law.
const dir = fileURLToPath(new URL('../../../src/deadlines/', import.meta.url));
// The rules table is laws.ts and the laws-*.ts parts it assembles.
const table = (f: string) => /^laws(-[a-z-]+)?\.ts$/.test(f) || f === 'rules.ts';
const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !table(f));

describe('law-specific code lives only in the rules table', () => {
  it('there are source files to check', () => {
    expect(sources).toEqual(expect.arrayContaining(['clock.ts', 'events.ts', 'compute.ts', 'calendar.ts']));
  });

  it.each(sources)('%s → names no law id in a string literal', (file) => {
    const text = readFileSync(`${dir}${file}`, 'utf8');
    const named = LAW_IDS.filter((law) => new RegExp(`['"\`]${law}['"\`]`).test(text));
    expect(named).toEqual([]);
  });
});
