/**
 * The CSV record reader (src/data/csv.ts) that the CLI and csvBatches
 * share: records and their lines written out by hand, and the same records
 * however the text is cut into chunks.
 */
import { describe, expect, it } from 'vitest';
import { CsvRecordReader, detectDelimiter, isDelimiter, parseNumber, type CsvRecord } from '../../src/data/csv.js';

const fail = (line: number, what: string) => new Error(`line ${line}: ${what}`);

function read(chunks: string[], delimiter: string | null = null): CsvRecord[] {
  const reader = new CsvRecordReader(delimiter, fail);
  return [...chunks.flatMap((c) => reader.push(c)), ...reader.end()];
}

// Quotes holding the delimiter, "" and a line break; CRLF ends; a blank line; a byte order mark; no final line break.
const TEXT = '\ufeffname,note,x\r\n"Smith, J","said ""hi""",1\r\n\r\nplain,"two\nlines",2\nlast,,3';
const RECORDS: CsvRecord[] = [
  { fields: ['name', 'note', 'x'], line: 1 },
  { fields: ['Smith, J', 'said "hi"', '1'], line: 2 },
  { fields: ['plain', 'two\nlines', '2'], line: 4 },
  { fields: ['last', '', '3'], line: 6 },
];

describe('CsvRecordReader', () => {
  it('reads quoted fields, doubled quotes, line breaks in quotes, CRLF, blank lines and a byte order mark', () => {
    expect(read([TEXT])).toEqual(RECORDS);
  });

  it('gives the same records wherever the text is cut: every split in two, and one character per chunk', () => {
    for (let at = 0; at <= TEXT.length; at++) expect(read([TEXT.slice(0, at), TEXT.slice(at)]), `split at ${at}`).toEqual(RECORDS);
    expect(read([...TEXT])).toEqual(RECORDS);
  });

  it('keeps a quote inside an unquoted field and a lone CR as they are, wherever the text is cut', () => {
    const text = 'a,b\nsay ab"c d,x\ry z\n"q ""r""\r\ns",tail';
    const want: CsvRecord[] = [
      { fields: ['a', 'b'], line: 1 },
      { fields: ['say ab"c d', 'x\ry z'], line: 2 },
      { fields: ['q "r"\r\ns', 'tail'], line: 3 },
    ];
    for (let at = 0; at <= text.length; at++) expect(read([text.slice(0, at), text.slice(at)]), `split at ${at}`).toEqual(want);
    expect(read([...text])).toEqual(want);
  });

  it('detects the delimiter from the whole header line, however it arrives', () => {
    const text = 'a;b;"c,d"\n1;2;3\n';
    const want = [
      { fields: ['a', 'b', 'c,d'], line: 1 },
      { fields: ['1', '2', '3'], line: 2 },
    ];
    expect(read([text])).toEqual(want);
    // "a," alone would look comma-separated: the reader waits for the line's end.
    expect(read(['a', ';b', ';"c,d"', '\n1;2;3\n'])).toEqual(want);
    expect(read(['x\ty\n1\t2'])).toEqual([
      { fields: ['x', 'y'], line: 1 },
      { fields: ['1', '2'], line: 2 },
    ]);
    expect(read(['a;b\n1;2'], ',')).toEqual([
      { fields: ['a;b'], line: 1 },
      { fields: ['1;2'], line: 2 },
    ]);
  });

  it('a quoted field never closed fails naming the line it starts on', () => {
    expect(() => read(['a,b\n1,"open\nstill\n'])).toThrow('line 2: a quoted field is never closed');
  });

  it('an empty text has no records', () => {
    expect(read([])).toEqual([]);
    expect(read(['', ''])).toEqual([]);
  });
});

describe('detectDelimiter, isDelimiter and parseNumber', () => {
  it('isDelimiter takes one UTF-16 unit but a quote or line break', () => {
    expect([',', ';', '\t', '|', 'é'].every(isDelimiter)).toBe(true);
    expect(['', ';;', '🙂', '"', '\n', '\r', 1, null].some(isDelimiter)).toBe(false);
  });

  it('picks the most frequent of , ; tab outside quotes on the first line', () => {
    expect(detectDelimiter('a;b;c\n1,2,3,4,5')).toBe(';');
    expect(detectDelimiter('"a;b;c",d\n')).toBe(',');
    expect(detectDelimiter('one')).toBe(',');
  });

  it('takes plain decimal numbers only', () => {
    expect(['1.5', '-2e3', '.5', '+7.'].map(parseNumber)).toEqual([1.5, -2000, 0.5, 7]);
    expect(['', '0x1f', 'Infinity', '1,5', 'abc'].map(parseNumber).every(Number.isNaN)).toBe(true);
  });
});
