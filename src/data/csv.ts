/**
 * CSV reading shared by the command line (src/cli/csv.ts, whole files) and
 * csvBatches (src/data/csv-batches.ts, streams in chunks): RFC 4180 basics
 * (double-quoted fields that may hold delimiters, quotes ("") and line
 * breaks; CRLF or LF line ends), a delimiter detected from the header, and
 * plain decimal numbers. No `node:` import: this runs in browsers too.
 */

/** The field separators detected from a header; any other single character can be given. */
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * True when `d` can separate fields: one UTF-16 unit (the reader compares
 * one at a time, so an emoji, two units, would never match), not a quote
 * or a line break. The CLI's --delimiter and csvBatches' option both check
 * with this.
 */
export function isDelimiter(d: unknown): d is string {
  return typeof d === 'string' && d.length === 1 && d !== '"' && d !== '\n' && d !== '\r';
}

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

// Plain decimal numbers only: Number() would also take '', '0x1f', 'Infinity' and whitespace.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a field holds, or NaN when it is not a plain decimal number. */
export function parseNumber(text: string): number {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : NaN;
}

const QUOTE = 0x22;
const CR = 0x0d;
const NEWLINE = 0x0a;

/** The index of the first character from `i` on that is `a`, `b`, `c` or a line feed (or the text's length). */
function plainRun(text: string, i: number, a: number, b: number, c: number): number {
  for (; i < text.length; i++) {
    const k = text.charCodeAt(i);
    if (k === a || k === b || k === c || k === NEWLINE) return i;
  }
  return i;
}

/**
 * Each column's index by its name in `header` (names trimmed by the caller).
 * A name that is empty or occurs twice is `fail(what)`'s error: a second
 * column of the same name could not be told apart (one named as the label
 * would be read as a feature). A map, not indexOf per column: files can
 * have 100k columns.
 */
export function columnsByName(header: readonly string[], fail: (what: string) => Error): Map<string, number> {
  const columns = new Map<string, number>();
  header.forEach((name, c) => {
    if (name === '') throw fail(`column ${c + 1} of the header has no name`);
    if (columns.has(name)) throw fail(`the header names column "${name}" twice`);
    columns.set(name, c);
  });
  return columns;
}

/** One record: its fields and the 1-based line on which it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Splits CSV text into records, chunk by chunk: a record, a quoted field or
 * a CRLF may be split across chunks anywhere. Blank lines are skipped. Holds
 * only the record being read (and one character where the next chunk
 * decides what it means), so memory stays one record whatever the input.
 * `fail(line, what)` makes the error for a problem on a line (the callers
 * name the file their own way).
 */
export class CsvRecordReader {
  #delimiter: string | null;
  readonly #fail: (line: number, what: string) => Error;
  #pending = '';
  #first = true;
  #line = 1;
  #start = 1;
  #inRecord = false;
  #fields: string[] = [];
  #field = '';
  #quoted = false;

  /** `delimiter`: null to detect it from the header line (text is held back until that line is whole). */
  constructor(delimiter: string | null, fail: (line: number, what: string) => Error) {
    this.#delimiter = delimiter;
    this.#fail = fail;
  }

  /** The delimiter in use (null until the header line has been read, when it is detected). */
  get delimiter(): string | null {
    return this.#delimiter;
  }

  /** The records that end within `chunk` (and what was held back of the previous one). */
  push(chunk: string): CsvRecord[] {
    const text = this.#pending + chunk;
    this.#pending = '';
    if (text === '') return [];
    if (!this.#first) return this.#read(text, false);
    // The delimiter is detected from the whole header line: wait for its end.
    if (this.#delimiter === null && !/[\r\n]/.test(text)) {
      this.#pending = text;
      return [];
    }
    return this.#begin(text, false);
  }

  /** The last record (one without a final line break); throws if a quoted field is still open. */
  end(): CsvRecord[] {
    const text = this.#pending;
    this.#pending = '';
    const records = this.#first ? this.#begin(text, true) : this.#read(text, true);
    if (this.#inRecord) {
      if (this.#quoted) throw this.#fail(this.#start, 'a quoted field is never closed');
      this.#endRecord(records);
    }
    return records;
  }

  /** The first text: without a byte order mark, and the delimiter known. */
  #begin(text: string, final: boolean): CsvRecord[] {
    this.#first = false;
    // A UTF-8 byte order mark (Excel writes one) is not part of the first name.
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.#delimiter ??= detectDelimiter(body);
    return this.#read(body, final);
  }

  #read(text: string, final: boolean): CsvRecord[] {
    const records: CsvRecord[] = [];
    const delimiter = this.#delimiter as string;
    const code = delimiter.charCodeAt(0); // one unit: isDelimiter
    let i = 0;
    while (i < text.length) {
      if (!this.#inRecord) {
        this.#inRecord = true;
        this.#start = this.#line;
        this.#fields = [];
        this.#field = '';
      }
      const c = text[i];
      // A quote or CR at the chunk's end means what the next character says: keep it for the next chunk.
      if ((c === '"' && this.#quoted) || c === '\r') {
        if (i + 1 >= text.length && !final) {
          this.#pending = c;
          break;
        }
      }
      if (this.#quoted) {
        if (c === '"' && text[i + 1] === '"') {
          this.#field += '"';
          i += 2;
          continue;
        }
        if (c === '"') {
          this.#quoted = false;
          i++;
          continue;
        }
        if (c === '\n') {
          this.#line++;
          this.#field += c;
          i++;
          continue;
        }
        // A run of plain characters is one slice, not one concatenation per character.
        const end = plainRun(text, i, QUOTE, NEWLINE, NEWLINE);
        this.#field += text.slice(i, end);
        i = end;
        continue;
      }
      if (c === '"' && this.#field === '') {
        this.#quoted = true;
        i++;
        continue;
      }
      if (c === delimiter) {
        this.#fields.push(this.#field);
        this.#field = '';
        i++;
        continue;
      }
      if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        i += c === '\r' ? 2 : 1;
        this.#endRecord(records);
        continue;
      }
      // A plain character, or a quote inside a field or a lone CR (both taken as they are); then the run of plain characters after it.
      const end = plainRun(text, i + 1, code, QUOTE, CR);
      this.#field += text.slice(i, end);
      i = end;
    }
    return records;
  }

  #endRecord(records: CsvRecord[]): void {
    this.#fields.push(this.#field);
    this.#line++;
    this.#inRecord = false;
    const fields = this.#fields;
    this.#fields = [];
    this.#field = '';
    if (fields.length === 1 && fields[0] === '') return; // a blank line, usually the last one
    records.push({ fields, line: this.#start });
  }
}
