/**
 * CSV for the command line: reading (RFC 4180 basics: a header row, commas,
 * double-quoted fields that may hold commas, quotes ("") and line breaks),
 * writing, and turning columns into network inputs and targets.
 *
 * The encoding learnt from a training file (column kinds, categories, means
 * and standard deviations, target classes) is a plain JSON object, saved with
 * the model, so `predict` encodes new files exactly as training did.
 */

/** A problem with the user's data or model file (exit code 1); the message names the row and column. */
export class DataError extends Error {
  override name = 'DataError';
}

/** A parsed CSV file: the header, the records, and the 1-based line on which each record starts. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  lines: number[];
}

/**
 * Parses CSV text. Blank lines are skipped; every record must have as many
 * fields as the header (the error names the line). `source` names the file in
 * messages.
 */
export function parseCsv(text: string, source: string): CsvTable {
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
        if (i >= text.length) throw new DataError(`${source}, line ${start}: a quoted field is never closed`);
        if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i++; continue; }
        if (c === '\n') line++;
        field += c;
        i++;
        continue;
      }
      if (c === '"' && field === '') { quoted = true; i++; continue; }
      if (c === ',') { fields.push(field); field = ''; i++; continue; }
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
  if (records.length === 0) throw new DataError(`${source} is empty: expected a header row and at least one data row`);
  const header = records[0].map((name) => name.trim());
  header.forEach((name, c) => {
    if (name === '') throw new DataError(`${source}, line ${lines[0]}: column ${c + 1} of the header has no name`);
    if (header.indexOf(name) !== c) throw new DataError(`${source}, line ${lines[0]}: the header names column "${name}" twice`);
  });
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new DataError(`${source}, line ${lines[r]}: ${records[r].length} fields, but the header has ${header.length}`);
    }
  }
  if (records.length === 1) throw new DataError(`${source} has a header but no data rows`);
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

/** A standardized numeric input column: (x - mean) / std. */
export interface NumericColumn { name: string; kind: 'numeric'; mean: number; std: number }
/** A categorical input column, one-hot encoded in the order of `categories`. */
export interface CategoricalColumn { name: string; kind: 'categorical'; categories: string[] }
export type InputColumn = NumericColumn | CategoricalColumn;

/** What is predicted: classes (one-hot, one output each) or a standardized number. */
export type Target =
  | { name: string; kind: 'classification'; classes: string[] }
  | { name: string; kind: 'regression'; mean: number; std: number };

/** Everything `predict` needs to encode a new file as the training file was encoded. */
export interface Preprocessing {
  version: 1;
  inputs: InputColumn[];
  target: Target;
}

/** Which columns to treat as categories, and whether the target is one. */
export interface EncodingChoices {
  target: string;
  classification: boolean;
  categorical: readonly string[];
}

/** Column `c` of every row, with the row's 1-based line for messages. */
function column(table: CsvTable, c: number): string[] {
  return table.rows.map((row) => row[c].trim());
}

/**
 * A column is numeric when most of its values are numbers; a few that are not
 * are then mistakes in the file (reported with their line), not categories.
 * A column with no numbers at all is categorical.
 */
function isNumeric(values: readonly string[]): boolean {
  const numbers = values.filter((v) => !Number.isNaN(parseNumber(v))).length;
  return numbers * 2 > values.length;
}

function columnIndex(table: CsvTable, name: string, source: string, role: string): number {
  const c = table.header.indexOf(name);
  if (c < 0) throw new DataError(`${source}: no column "${name}" (${role}); the columns are ${table.header.map((h) => `"${h}"`).join(', ')}`);
  return c;
}

/** Sorted distinct values; numbers in numeric order, so classes 2 and 10 do not swap. */
function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => {
    const x = parseNumber(a), y = parseNumber(b);
    return !Number.isNaN(x) && !Number.isNaN(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Mean and standard deviation over the chosen rows; a constant column gets std 1 so it encodes as 0, not NaN. */
function stats(values: readonly number[], rows: readonly number[]): { mean: number; std: number } {
  const mean = rows.reduce((s, r) => s + values[r], 0) / rows.length;
  const variance = rows.reduce((s, r) => s + (values[r] - mean) ** 2, 0) / rows.length;
  const std = Math.sqrt(variance);
  return { mean, std: std > 1e-12 ? std : 1 };
}

/** The numbers of a numeric column; a field that is not one is an error naming its line and column. */
function numbers(table: CsvTable, c: number, source: string): number[] {
  return column(table, c).map((text, r) => {
    const value = parseNumber(text);
    if (Number.isNaN(value)) {
      throw new DataError(`${source}, line ${table.lines[r]}, column "${table.header[c]}": ${text === '' ? 'empty' : `"${text}" is not a number`}` +
        ' (the column is numeric, so every value must be a number)');
    }
    return value;
  });
}

/**
 * Learns the encoding from a training file. Every column but the target is an
 * input. Means and standard deviations come from `trainRows` only, so the
 * validation rows do not leak into training; categories come from all rows.
 */
export function fitEncoding(table: CsvTable, choices: EncodingChoices, trainRows: readonly number[], source: string): Preprocessing {
  const targetColumn = columnIndex(table, choices.target, source, 'the --target');
  for (const name of choices.categorical) columnIndex(table, name, source, 'named by --categorical');
  const inputs: InputColumn[] = [];
  table.header.forEach((name, c) => {
    if (c === targetColumn) return;
    const values = column(table, c);
    if (choices.categorical.includes(name) || !isNumeric(values)) {
      inputs.push({ name, kind: 'categorical', categories: distinct(values) });
    } else {
      inputs.push({ name, kind: 'numeric', ...stats(numbers(table, c, source), trainRows) });
    }
  });
  if (inputs.length === 0) throw new DataError(`${source}: the only column is the target "${choices.target}"; there is nothing to learn from`);
  const targetValues = column(table, targetColumn);
  let target: Target;
  if (choices.classification || !isNumeric(targetValues)) {
    const empty = targetValues.indexOf('');
    if (empty >= 0) throw new DataError(`${source}, line ${table.lines[empty]}, column "${choices.target}": empty (every row needs a class to learn from)`);
    const classes = distinct(targetValues);
    if (classes.length < 2) throw new DataError(`${source}: the target "${choices.target}" has only one class ("${classes[0]}"); classification needs at least 2`);
    target = { name: choices.target, kind: 'classification', classes };
  } else {
    target = { name: choices.target, kind: 'regression', ...stats(numbers(table, targetColumn, source), trainRows) };
  }
  return { version: 1, inputs, target };
}

/** Network inputs per encoded row: one per numeric column, one per category. */
export function inputWidth(p: Preprocessing): number {
  return p.inputs.reduce((n, col) => n + (col.kind === 'numeric' ? 1 : col.categories.length), 0);
}

/**
 * Encodes a file's inputs. Columns are found by name (order and extra
 * columns do not matter); a missing column, a value that is not a number in
 * a numeric column, or a category training never saw is an error naming the
 * line and column.
 */
export function encodeInputs(table: CsvTable, p: Preprocessing, source: string): number[][] {
  const width = inputWidth(p);
  const rows = table.rows.map(() => new Array<number>(width).fill(0));
  let offset = 0;
  for (const col of p.inputs) {
    const c = columnIndex(table, col.name, source, 'an input of the model');
    if (col.kind === 'numeric') {
      numbers(table, c, source).forEach((x, r) => { rows[r][offset] = (x - col.mean) / col.std; });
      offset += 1;
      continue;
    }
    column(table, c).forEach((value, r) => {
      const k = col.categories.indexOf(value);
      if (k < 0) {
        throw new DataError(`${source}, line ${table.lines[r]}, column "${col.name}": unknown category "${value}"` +
          ` (the model knows ${col.categories.map((v) => `"${v}"`).join(', ')})`);
      }
      rows[r][offset + k] = 1;
    });
    offset += col.categories.length;
  }
  return rows;
}

/** Encodes the target column of a training file: one-hot classes, or standardized numbers. */
export function encodeTargets(table: CsvTable, p: Preprocessing, source: string): number[][] {
  const target = p.target;
  const c = columnIndex(table, target.name, source, 'the target');
  if (target.kind === 'regression') return numbers(table, c, source).map((y) => [(y - target.mean) / target.std]);
  return column(table, c).map((value) => target.classes.map((name) => (name === value ? 1 : 0)));
}

/** Checks that a model file's `preprocessing` field has the shape `fitEncoding` writes. */
export function checkPreprocessing(value: unknown, source: string): Preprocessing {
  const bad = (what: string) => new DataError(`${source}: preprocessing.${what} is missing or malformed; was the file written by "wasmgrad train"?`);
  const p = value as Preprocessing;
  if (typeof p !== 'object' || p === null || p.version !== 1) throw bad('version');
  const isName = (v: unknown) => typeof v === 'string' && v !== '';
  const isNames = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string');
  const isFinite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!Array.isArray(p.inputs) || p.inputs.length === 0) throw bad('inputs');
  p.inputs.forEach((col, i) => {
    const ok = isName(col?.name) && (col.kind === 'numeric' ? isFinite(col.mean) && isFinite(col.std) && col.std > 0
      : col.kind === 'categorical' && isNames(col.categories));
    if (!ok) throw bad(`inputs[${i}]`);
  });
  const t = p.target;
  const ok = isName(t?.name) && (t.kind === 'classification' ? isNames(t.classes)
    : t.kind === 'regression' && isFinite(t.mean) && isFinite(t.std) && t.std > 0);
  if (!ok) throw bad('target');
  return p;
}
