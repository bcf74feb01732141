/**
 * CSV for the command line: reading (RFC 4180 basics: a header row, commas,
 * double-quoted fields that may hold commas, quotes ("") and line breaks;
 * or semicolons or tabs between fields, as European spreadsheets and TSV
 * files have), writing, and reading numbers. Turning columns into network inputs is
 * encoding.ts's job.
 */
import { dataError } from './errors.js';

/** A parsed CSV file: the header, the records, and the 1-based line on which each record starts. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  lines: number[];
}

/** The field separators detected from a header; any other single character can be given with --delimiter. */
export const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The delimiter a file's header line uses: whichever of comma, semicolon and
 * tab occurs most often outside quotes in the first line (a comma on a tie,
 * and when there is none: a one-column file).
 */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) as number) + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if ((counts.get(d) as number) > (counts.get(best) as number)) best = d;
  return best;
}

/**
 * Parses CSV text. Blank lines are skipped; every record must have as many
 * fields as the header (the error names the line). `source` names the file in
 * messages; `delimiter` separates fields (default: detected from the header,
 * see detectDelimiter).
 */
export function parseCsv(text: string, source: string, delimiter = detectDelimiter(text)): CsvTable {
  const records: string[][] = [];
  const lines: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte order mark (Excel writes one) is not part of the first name
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (;;) {
      const c = text[i];
      if (quoted) {
        if (i >= text.length) throw dataError(`${source}, line ${start}: a quoted field is never closed`);
        if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i++; continue; }
        if (c === '\n') line++;
        field += c;
        i++;
        continue;
      }
      if (c === '"' && field === '') { quoted = true; i++; continue; }
      if (c === delimiter) { fields.push(field); field = ''; i++; continue; }
      if (i >= text.length || c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        fields.push(field);
        i += c === '\r' ? 2 : 1;
        line++;
        break;
      }
      field += c;
      i++;
    }
    if (fields.length === 1 && fields[0] === '') continue; // a blank line, usually the last one
    records.push(fields);
    lines.push(start);
  }
  if (records.length === 0) throw dataError(`${source} is empty: expected a header row and at least one data row`);
  const header = records[0].map((name) => name.trim());
  const seen = new Set<string>(); // not header.indexOf per column: that is quadratic, and files can have 100k columns
  header.forEach((name, c) => {
    if (name === '') throw dataError(`${source}, line ${lines[0]}: column ${c + 1} of the header has no name`);
    if (seen.has(name)) throw dataError(`${source}, line ${lines[0]}: the header names column "${name}" twice`);
    seen.add(name);
  });
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw dataError(`${source}, line ${lines[r]}: ${records[r].length} fields, but the header has ${header.length}`);
    }
  }
  if (records.length === 1) throw dataError(`${source} has a header but no data rows`);
  return { header, rows: records.slice(1), lines: lines.slice(1) };
}

/** One CSV line (with '\n'), quoting only the fields that need it. */
export function csvLine(fields: readonly (string | number)[]): string {
  return fields.map((value) => {
    const text = String(value);
    return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
  }).join(',') + '\n';
}

// Plain decimal numbers only: Number() would also take '', '0x1f', 'Infinity' and whitespace.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a field holds, or NaN when it is not a plain decimal number. */
export function parseNumber(text: string): number {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : NaN;
}

/**
 * True when `x` stays finite once stored as float32 (1e39 is finite as a
 * double but Infinity as a float32): the network computes in float32, so
 * every value it is given must fit (|x| up to about 3.4e38).
 */
export function finiteInFloat32(x: number): boolean {
  return Number.isFinite(Math.fround(x));
}
