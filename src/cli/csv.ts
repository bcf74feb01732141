/**
 * CSV for the command line: reading (RFC 4180 basics: a header row, commas,
 * double-quoted fields that may hold commas, quotes ("") and line breaks;
 * or semicolons or tabs between fields, as European spreadsheets and TSV
 * files have), writing, and reading numbers. Turning columns into network inputs is
 * encoding.ts's job.
 */
import { columnsByName, CsvRecordReader } from '../data/csv.js';
import { dataError } from './errors.js';

/** A parsed CSV file: the header, the records, and the 1-based line on which each record starts. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  lines: number[];
}

// The parts a stream reader needs too live in the library (csvBatches uses them in browsers).
export { detectDelimiter, isDelimiter, parseNumber } from '../data/csv.js';

/**
 * Parses CSV text. Blank lines are skipped; every record must have as many
 * fields as the header (the error names the line). `source` names the file in
 * messages; `delimiter` separates fields (default: detected from the header,
 * see detectDelimiter).
 */
export function parseCsv(text: string, source: string, delimiter?: string): CsvTable {
  const reader = new CsvRecordReader(delimiter ?? null, (line, what) => dataError(`${source}, line ${line}: ${what}`));
  const read = [...reader.push(text), ...reader.end()];
  const records = read.map((r) => r.fields);
  const lines = read.map((r) => r.line);
  if (records.length === 0) throw dataError(`${source} is empty: expected a header row and at least one data row`);
  const header = records[0].map((name) => name.trim());
  columnsByName(header, (what) => dataError(`${source}, line ${lines[0]}: ${what}`));
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

/**
 * True when `x` stays finite once stored as float32 (1e39 is finite as a
 * double but Infinity as a float32): the network computes in float32, so
 * every value it is given must fit (|x| up to about 3.4e38).
 */
export function finiteInFloat32(x: number): boolean {
  return Number.isFinite(Math.fround(x));
}
