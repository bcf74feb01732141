/** The CLI's CSV reader: the delimiter detected from the header (comma, semicolon, tab), and an explicit one. */
import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv } from '../../src/cli/csv.js';

describe('detectDelimiter', () => {
  it('takes the most frequent of comma, semicolon and tab in the header, outside quotes; a comma on a tie or none', () => {
    expect(detectDelimiter('a,b,c\n1;2;3;4;5\n')).toBe(',');
    expect(detectDelimiter('a;b;c\n1,5;2,5;3\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc\r\n1\t2\t3\r\n')).toBe('\t');
    expect(detectDelimiter('"x;y;z",b\n')).toBe(','); // the semicolons are inside a quoted name
    expect(detectDelimiter('a;b,c\n')).toBe(',');
    expect(detectDelimiter('only\n1\n')).toBe(',');
  });
});

describe('parseCsv with a delimiter', () => {
  it('splits on the detected or given character; commas inside fields stay', () => {
    const semi = parseCsv('price;name\n1,5;"a;b"\n2,0;c\n', 's.csv');
    expect(semi.header).toEqual(['price', 'name']);
    expect(semi.rows).toEqual([['1,5', 'a;b'], ['2,0', 'c']]);
    expect(parseCsv('a|b\n1|2\n', 'p.csv', '|').rows).toEqual([['1', '2']]);
    expect(parseCsv('a|b\n1|2\n', 'p.csv').header).toEqual(['a|b']);
  });
});

describe('parseCsv header names', () => {
  it('refuses an empty or repeated name, naming the file and line (after a blank first line: line 2)', () => {
    expect(() => parseCsv('a,,c\n1,2,3\n', 'h.csv')).toThrow('h.csv, line 1: column 2 of the header has no name');
    expect(() => parseCsv('\na, b ,b\n1,2,3\n', 'h.csv')).toThrow('h.csv, line 2: the header names column "b" twice');
  });
});
