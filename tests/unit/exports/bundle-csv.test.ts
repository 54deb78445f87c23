import { describe, expect, it } from 'vitest';
import { csvHeader, csvLines } from '../../../src/exports/bundle-csv.ts';

const line = (value: unknown) => csvLines([{ v: value }], ['v']);

describe('CSV cells', () => {
  it('quotes as RFC 4180 says: commas, quotes and line breaks; CRLF between records', () => {
    expect(line('plain')).toBe('plain\r\n');
    expect(line('a,b')).toBe('"a,b"\r\n');
    expect(line('say "hi"')).toBe('"say ""hi"""\r\n');
    expect(line('two\nlines')).toBe('"two\nlines"\r\n');
    expect(line('crlf\r\ninside')).toBe('"crlf\r\ninside"\r\n');
    expect(csvLines([{ a: 1, b: 'x' }, { a: 2 }], ['a', 'b'])).toBe('1,x\r\n2,\r\n');
  });

  it('keeps Unicode as is', () => {
    expect(line('Zoë Łukasiewicz 🙂 日本語')).toBe('Zoë Łukasiewicz 🙂 日本語\r\n');
  });

  it.each([
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['＝1+1', "'＝1+1"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('makes the formula %j harmless', (value, expected) => {
    expect(line(value)).toBe(`${expected}\r\n`);
  });

  it('leaves real negative numbers alone but not text that looks like one', () => {
    expect(line(-5)).toBe('-5\r\n');
    expect(line('-5')).toBe("'-5\r\n");
    expect(line(3.25)).toBe('3.25\r\n');
  });

  it('writes nested values as JSON text, booleans as words, null and missing as empty', () => {
    expect(line({ street: 'Main, 1', tags: ['a'] })).toBe('"{""street"":""Main, 1"",""tags"":[""a""]}"\r\n');
    expect(line([1, 2])).toBe('"[1,2]"\r\n');
    expect(line(true)).toBe('true\r\n');
    expect(line(false)).toBe('false\r\n');
    expect(line(null)).toBe('\r\n');
    expect(csvLines([{}], ['v'])).toBe('\r\n');
  });

  it('escapes column names like data', () => {
    expect(csvHeader(['a', 'b,c', '=x'])).toBe(`a,"b,c",'=x\r\n`);
    expect(csvLines([], ['a'])).toBe('');
  });
});
