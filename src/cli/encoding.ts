/**
 * Turning CSV columns into network inputs and targets. The encoding learnt
 * from a training file (column kinds, categories, means and standard
 * deviations, target classes) is a plain JSON object, saved with the model,
 * so `predict` encodes new files exactly as training did.
 *
 * The network computes in float32: every number read from a file, every
 * fitted mean and standard deviation and every standardized value must be
 * finite as a float32, or the file is refused with its line and column named.
 * Otherwise 1e200 would train into a model that no one can load again.
 *
 * Every lookup by name goes through a Map or Set: a file with 100,000 columns
 * (or a column with 100,000 categories) must not cost 100,000² comparisons.
 *
 * A missing value is an empty cell (after trimming). What happens to one is
 * --missing's choice (see MissingPolicy); the values filled in are part of
 * the encoding, so predict fills the same ones in.
 *
 * The statistics and the one-hot rows are the library's (meanAndStd, oneHot):
 * one implementation for both.
 */
import { meanAndStd } from '../nn/standardizer.js';
import { oneHot } from '../nn/one-hot.js';
import { finiteInFloat32, parseNumber, type CsvTable } from './csv.js';
import { dataError, modelFileError } from './errors.js';

/**
 * --missing: `fail` refuses an empty cell (naming its line and column),
 * `drop` leaves out the rows that have one, `mean` and `mode` fill empty
 * inputs in (a numeric column's training mean, or its most frequent value;
 * a categorical column's most frequent category either way). Under each, a
 * row whose target is empty is dropped (fail: refused): a target is never
 * made up.
 */
export type MissingPolicy = 'fail' | 'drop' | 'mean' | 'mode';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['fail', 'drop', 'mean', 'mode'];

/** A standardized numeric input column: (x - mean) / std; `fill` replaces an empty cell (--missing mean or mode). */
export interface NumericColumn { name: string; kind: 'numeric'; mean: number; std: number; fill?: number }
/** A categorical input column, one-hot encoded in the order of `categories`; `fill` is one of them. */
export interface CategoricalColumn { name: string; kind: 'categorical'; categories: string[]; fill?: string }
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
  /** The --missing the model was trained with (absent in files of earlier releases: fail). */
  missing?: MissingPolicy;
}

/** Which columns to treat as categories or leave out, whether the target is one, and what to do with empty cells. */
export interface EncodingChoices {
  target: string;
  classification: boolean;
  categorical: readonly string[];
  ignore?: readonly string[];
  missing?: MissingPolicy;
  /** Receives warnings (a text column with very many values); default: none. */
  onWarning?: (message: string) => void;
}

/** A text column with more distinct values than this is probably an id or free text: warned about. */
export const MANY_CATEGORIES = 50;

/** What an empty cell's message adds under --missing fail: how to handle it instead. */
const MISSING_HINT = 'use --missing drop, mean or mode to handle empty cells';

const RANGE = "float32's range (±3.4e38)";

/** Column `c` of every row, trimmed. */
function column(table: CsvTable, c: number): string[] {
  return table.rows.map((row) => row[c].trim());
}

/** Column positions by name, built once per file. */
function columnIndexes(table: CsvTable): Map<string, number> {
  return new Map(table.header.map((name, c) => [name, c]));
}

function columnIndex(table: CsvTable, indexes: Map<string, number>, name: string, source: string, role: string): number {
  const c = indexes.get(name);
  if (c === undefined) {
    const shown = table.header.slice(0, 20).map((h) => `"${h}"`).join(', ');
    throw dataError(`${source}: no column "${name}" (${role}); the columns are ${shown}${table.header.length > 20 ? `, … (${table.header.length} in all)` : ''}`);
  }
  return c;
}

/**
 * A column is numeric when most of its values are numbers; a few that are not
 * are then mistakes in the file (reported with their line), not categories.
 * A column with no numbers at all is categorical.
 */
function isNumeric(values: readonly string[]): boolean {
  const present = values.filter((v) => v !== '');
  const numbers = present.filter((v) => !Number.isNaN(parseNumber(v))).length;
  return numbers * 2 > present.length; // empty cells are missing, not evidence either way
}

/**
 * True when the target is treated as classes: --classification, or a
 * column that is not mostly numbers. Decided on the raw column, so the
 * split can be stratified before the encoding is fitted.
 */
export function isClassification(table: CsvTable, choices: EncodingChoices, source: string): boolean {
  const c = columnIndex(table, columnIndexes(table), choices.target, source, 'the --target');
  return choices.classification || !isNumeric(column(table, c));
}

/** The most frequent value among `rows` (ties: the first in `order`); undefined when every one is empty. */
function mostFrequent(values: readonly string[], rows: readonly number[], order: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const r of rows) if (values[r] !== '') counts.set(values[r], (counts.get(values[r]) ?? 0) + 1);
  let best: string | undefined;
  for (const v of order) if ((counts.get(v) ?? 0) > (best === undefined ? 0 : (counts.get(best) as number))) best = v;
  return best;
}

/** Sorted distinct values, empty cells left out; numbers in numeric order, so classes 2 and 10 do not swap. */
function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].filter((v) => v !== '').sort((a, b) => {
    const x = parseNumber(a), y = parseNumber(b);
    return !Number.isNaN(x) && !Number.isNaN(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Mean and standard deviation over the chosen rows' values (empty cells,
 * NaN here, left out), by the library's meanAndStd: a constant column gets
 * std 1 so it encodes as 0, not NaN. The values are float32-finite, so the
 * float64 sums cannot overflow, and the mean and std (at most the largest
 * |value|) fit float32 too; checked anyway, since a saved model depends on it.
 */
function stats(values: readonly number[], rows: readonly number[], what: string): { mean: number; std: number } {
  const present = rows.map((r) => values[r]).filter((v) => !Number.isNaN(v));
  if (present.length === 0) throw dataError(`${what}: every training value is empty; leave the column out with --ignore`);
  const fitted = meanAndStd(present);
  if (!finiteInFloat32(fitted.mean) || !finiteInFloat32(fitted.std) || Math.fround(fitted.std) <= 0) {
    throw dataError(`${what}: its mean ${fitted.mean} or standard deviation ${fitted.std} is beyond ${RANGE}`);
  }
  return fitted;
}

/**
 * The numbers of a numeric column; a field that is not one, or not finite as
 * a float32, is an error naming its line and column. An empty field is
 * `fill`, or NaN with `allowEmpty` (left out of the statistics), or else an
 * error whose message ends with `emptyHint`.
 */
function numbers(table: CsvTable, c: number, source: string, fill?: number, allowEmpty = false, emptyHint = MISSING_HINT): number[] {
  return column(table, c).map((text, r) => {
    if (text === '' && fill !== undefined) return fill;
    if (text === '' && allowEmpty) return NaN;
    const value = parseNumber(text);
    const at = () => `${source}, line ${table.lines[r]}, column "${table.header[c]}"`;
    if (Number.isNaN(value)) {
      throw dataError(`${at()}: ${text === '' ? 'empty' : `"${text}" is not a number`} (the column is numeric, so every value must be a number` +
        `${text === '' ? `; ${emptyHint}` : ''})`);
    }
    if (!finiteInFloat32(value)) throw dataError(`${at()}: ${text} is beyond ${RANGE}, which the network computes in`);
    return value;
  });
}

/** (x − mean) / std, refused with the line and column when the result is not finite as a float32. */
function standardize(x: number, mean: number, std: number, table: CsvTable, r: number, c: number, source: string): number {
  const z = (x - mean) / std;
  if (!finiteInFloat32(z)) {
    throw dataError(`${source}, line ${table.lines[r]}, column "${table.header[c]}": ${x} standardizes to ${z}, beyond ${RANGE}` +
      ` (the model's mean for the column is ${mean}, its standard deviation ${std})`);
  }
  return z;
}

/**
 * Learns the encoding from a training file. Every column but the target and
 * the ignored ones is an input. Means, standard deviations and filled-in
 * values come from `trainRows` only, so the validation rows do not leak into
 * training; categories come from all rows. Rows to drop (--missing drop, an
 * empty target) must be gone already: see dropMissing in missing.ts.
 */
export function fitEncoding(table: CsvTable, choices: EncodingChoices, trainRows: readonly number[], source: string): Preprocessing {
  const indexes = columnIndexes(table);
  const missing = choices.missing ?? 'fail';
  const targetColumn = columnIndex(table, indexes, choices.target, source, 'the --target');
  for (const name of choices.categorical) columnIndex(table, indexes, name, source, 'named by --categorical');
  const ignored = new Set(choices.ignore ?? []);
  for (const name of ignored) {
    columnIndex(table, indexes, name, source, 'named by --ignore');
    if (name === choices.target) throw dataError(`${source}: --ignore names the --target "${name}"; the target cannot be left out`);
  }
  const categorical = new Set(choices.categorical);
  const filling = missing === 'mean' || missing === 'mode';
  const inputs: InputColumn[] = [];
  table.header.forEach((name, c) => {
    if (c === targetColumn || ignored.has(name)) return;
    const values = column(table, c);
    if (categorical.has(name) || !isNumeric(values)) {
      const categories = distinct(values);
      if (categories.length === 0) throw dataError(`${source}, column "${name}": every value is empty; leave the column out with --ignore "${name}"`);
      if (!categorical.has(name) && categories.length > MANY_CATEGORIES) {
        choices.onWarning?.(`${source}: the text column "${name}" has ${categories.length} distinct values (one input each); ` +
          `if it is an id or free text, leave it out with --ignore "${name}"`);
      }
      const fill = filling ? mostFrequent(values, trainRows, categories) ?? categories[0] : undefined;
      inputs.push({ name, kind: 'categorical', categories, ...(fill === undefined ? {} : { fill }) });
    } else {
      const xs = numbers(table, c, source, undefined, filling);
      const fitted = stats(xs, trainRows, `${source}, column "${name}"`);
      let fill: number | undefined;
      if (missing === 'mean') fill = fitted.mean;
      if (missing === 'mode') {
        const text = column(table, c).map((v, r) => (v === '' ? '' : String(xs[r]))); // "1.0" and "1" are one value
        fill = Number(mostFrequent(text, trainRows, distinct(text)) ?? fitted.mean);
      }
      inputs.push({ name, kind: 'numeric', ...fitted, ...(fill === undefined ? {} : { fill }) });
    }
  });
  if (inputs.length === 0) throw dataError(`${source}: the only column left is the target "${choices.target}"; there is nothing to learn from`);
  const targetValues = column(table, targetColumn);
  let target: Target;
  if (choices.classification || !isNumeric(targetValues)) {
    const empty = targetValues.indexOf('');
    if (empty >= 0) {
      throw dataError(`${source}, line ${table.lines[empty]}, column "${choices.target}": empty (every row needs a class to learn from; ${MISSING_HINT})`);
    }
    const classes = distinct(targetValues);
    if (classes.length < 2) throw dataError(`${source}: the target "${choices.target}" has only one class ("${classes[0]}"); classification needs at least 2`);
    target = { name: choices.target, kind: 'classification', classes };
  } else {
    const values = numbers(table, targetColumn, source);
    target = { name: choices.target, kind: 'regression', ...stats(values, trainRows, `${source}, target column "${choices.target}"`) };
  }
  return { version: 1, inputs, target, ...(missing === 'fail' ? {} : { missing }) };
}

/** Network inputs per encoded row: one per numeric column, one per category. */
export function inputWidth(p: Preprocessing): number {
  return p.inputs.reduce((n, col) => n + (col.kind === 'numeric' ? 1 : col.categories.length), 0);
}

/** Network outputs the encoding's target needs: one per class, or one number. */
export function outputWidth(p: Preprocessing): number {
  return p.target.kind === 'classification' ? p.target.classes.length : 1;
}

/** What an empty cell's message says for a model that fills nothing in. */
function emptyHint(p: Preprocessing, training: boolean): string {
  return training ? MISSING_HINT : `the model fills none in: it was trained with --missing ${p.missing ?? 'fail'}; ` +
    'train with --missing mean or mode to have empty cells filled in';
}

/**
 * Encodes a file's inputs. Columns are found by name (order and extra
 * columns do not matter); a missing column, a value that is not a number in
 * a numeric column, a value that standardizes beyond float32, or a category
 * training never saw is an error naming the line and column. An empty cell
 * takes the column's `fill`, or is an error (saying what to do: `training`
 * picks the advice).
 */
export function encodeInputs(table: CsvTable, p: Preprocessing, source: string, training = false): number[][] {
  const width = inputWidth(p);
  const indexes = columnIndexes(table);
  const rows = table.rows.map(() => new Array<number>(width).fill(0));
  let offset = 0;
  for (const col of p.inputs) {
    const c = columnIndex(table, indexes, col.name, source, 'an input of the model');
    if (col.kind === 'numeric') {
      numbers(table, c, source, col.fill, false, emptyHint(p, training))
        .forEach((x, r) => { rows[r][offset] = standardize(x, col.mean, col.std, table, r, c, source); });
      offset += 1;
      continue;
    }
    const positions = new Map(col.categories.map((name, k) => [name, k]));
    const indices = column(table, c).map((text, r) => {
      // Models of earlier releases may know "" as a category; otherwise an empty cell is missing.
      const value = text === '' && col.fill !== undefined && !positions.has('') ? col.fill : text;
      const k = positions.get(value);
      if (k === undefined) {
        const at = `${source}, line ${table.lines[r]}, column "${col.name}"`;
        if (value === '') throw dataError(`${at}: empty (${emptyHint(p, training)})`);
        const known = col.categories.slice(0, 20).map((v) => `"${v}"`).join(', ');
        throw dataError(`${at}: unknown category "${value}"` +
          ` (the model knows ${known}${col.categories.length > 20 ? `, … (${col.categories.length} in all)` : ''})`);
      }
      return k;
    });
    oneHot(indices, col.categories.length).forEach((hot, r) => { for (let k = 0; k < hot.length; k++) rows[r][offset + k] = hot[k]; });
    offset += col.categories.length;
  }
  return rows;
}

/** Encodes the target column of a training file: one-hot classes, or standardized numbers. */
export function encodeTargets(table: CsvTable, p: Preprocessing, source: string): number[][] {
  const target = p.target;
  const c = columnIndex(table, columnIndexes(table), target.name, source, 'the target');
  if (target.kind === 'regression') return numbers(table, c, source).map((y, r) => [standardize(y, target.mean, target.std, table, r, c, source)]);
  const positions = new Map(target.classes.map((name, k) => [name, k]));
  // fitEncoding took the classes from this very column, so every value has one.
  return oneHot(column(table, c).map((value) => positions.get(value) as number), target.classes.length);
}

/**
 * Checks that a model file's `preprocessing` field has the shape `fitEncoding`
 * writes: names unique and non-empty, categories and classes unique, every
 * mean, standard deviation and filled-in number finite in float32, every std
 * positive, every filled-in category one of the column's.
 */
export function checkPreprocessing(value: unknown, source: string): Preprocessing {
  const bad = (what: string, why = 'is missing or malformed') =>
    modelFileError(`${source}: preprocessing.${what} ${why}; was the file written by "wasmgrad train"?`);
  const p = value as Preprocessing;
  if (typeof p !== 'object' || p === null || p.version !== 1) throw bad('version');
  const isName = (v: unknown) => typeof v === 'string' && v !== '';
  const isNames = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string') && new Set(v).size === v.length;
  const isStat = (v: unknown) => typeof v === 'number' && finiteInFloat32(v);
  const isScale = (v: unknown) => isStat(v) && Math.fround(v as number) > 0;
  if (!Array.isArray(p.inputs) || p.inputs.length === 0) throw bad('inputs');
  const names = new Set<string>();
  if (p.missing !== undefined && !MISSING_POLICIES.includes(p.missing)) throw bad('missing');
  p.inputs.forEach((col, i) => {
    const ok = isName(col?.name) && (col.kind === 'numeric' ? isStat(col.mean) && isScale(col.std) && (col.fill === undefined || isStat(col.fill))
      : col.kind === 'categorical' && isNames(col.categories) && (col.fill === undefined || col.categories.includes(col.fill)));
    if (!ok) throw bad(`inputs[${i}]`);
    if (names.has(col.name)) throw bad(`inputs[${i}]`, `names column "${col.name}" a second time`);
    names.add(col.name);
  });
  const t = p.target;
  const ok = isName(t?.name) && (t.kind === 'classification' ? isNames(t.classes) && t.classes.length >= 2
    : t.kind === 'regression' && isStat(t.mean) && isScale(t.std));
  if (!ok) throw bad('target');
  return p;
}

/**
 * Checks that an encoding fits the network it was saved with: as many inputs
 * as the encoding makes, one output per class (or one for regression).
 * Otherwise predict would write a CSV whose columns do not match its values.
 */
export function checkEncodingFits(p: Preprocessing, network: { inputSize: number; outputSize: number }, source: string): void {
  const inputs = inputWidth(p), outputs = outputWidth(p);
  if (inputs !== network.inputSize) {
    throw modelFileError(`${source}: its CSV encoding makes ${inputs} inputs, but the network takes ${network.inputSize}`);
  }
  if (outputs !== network.outputSize) {
    const needs = p.target.kind === 'classification' ? `${outputs} classes (${p.target.classes.slice(0, 10).join(', ')}${outputs > 10 ? ', …' : ''})` : 'one number';
    throw modelFileError(`${source}: its CSV encoding predicts ${needs}, but the network has ${network.outputSize} outputs`);
  }
}
