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
 */
import { finiteInFloat32, parseNumber, type CsvTable } from './csv.js';
import { dataError, modelFileError } from './errors.js';

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
  const numbers = values.filter((v) => !Number.isNaN(parseNumber(v))).length;
  return numbers * 2 > values.length;
}

/** Sorted distinct values; numbers in numeric order, so classes 2 and 10 do not swap. */
function distinct(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => {
    const x = parseNumber(a), y = parseNumber(b);
    return !Number.isNaN(x) && !Number.isNaN(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Mean and standard deviation over the chosen rows; a constant column gets
 * std 1 so it encodes as 0, not NaN. The values are float32-finite, so the
 * float64 sums cannot overflow, and the mean and std (at most the largest
 * |value|) fit float32 too; checked anyway, since a saved model depends on it.
 */
function stats(values: readonly number[], rows: readonly number[], what: string): { mean: number; std: number } {
  const mean = rows.reduce((s, r) => s + values[r], 0) / rows.length;
  const variance = rows.reduce((s, r) => s + (values[r] - mean) ** 2, 0) / rows.length;
  const std = Math.sqrt(variance);
  const fitted = { mean, std: std > 1e-12 ? std : 1 };
  if (!finiteInFloat32(fitted.mean) || !finiteInFloat32(fitted.std) || Math.fround(fitted.std) <= 0) {
    throw dataError(`${what}: its mean ${fitted.mean} or standard deviation ${fitted.std} is beyond ${RANGE}`);
  }
  return fitted;
}

/** The numbers of a numeric column; a field that is not one, or not finite as a float32, is an error naming its line and column. */
function numbers(table: CsvTable, c: number, source: string): number[] {
  return column(table, c).map((text, r) => {
    const value = parseNumber(text);
    const at = () => `${source}, line ${table.lines[r]}, column "${table.header[c]}"`;
    if (Number.isNaN(value)) {
      throw dataError(`${at()}: ${text === '' ? 'empty' : `"${text}" is not a number`} (the column is numeric, so every value must be a number)`);
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
 * Learns the encoding from a training file. Every column but the target is an
 * input. Means and standard deviations come from `trainRows` only, so the
 * validation rows do not leak into training; categories come from all rows.
 */
export function fitEncoding(table: CsvTable, choices: EncodingChoices, trainRows: readonly number[], source: string): Preprocessing {
  const indexes = columnIndexes(table);
  const targetColumn = columnIndex(table, indexes, choices.target, source, 'the --target');
  for (const name of choices.categorical) columnIndex(table, indexes, name, source, 'named by --categorical');
  const categorical = new Set(choices.categorical);
  const inputs: InputColumn[] = [];
  table.header.forEach((name, c) => {
    if (c === targetColumn) return;
    const values = column(table, c);
    if (categorical.has(name) || !isNumeric(values)) {
      inputs.push({ name, kind: 'categorical', categories: distinct(values) });
    } else {
      inputs.push({ name, kind: 'numeric', ...stats(numbers(table, c, source), trainRows, `${source}, column "${name}"`) });
    }
  });
  if (inputs.length === 0) throw dataError(`${source}: the only column is the target "${choices.target}"; there is nothing to learn from`);
  const targetValues = column(table, targetColumn);
  let target: Target;
  if (choices.classification || !isNumeric(targetValues)) {
    const empty = targetValues.indexOf('');
    if (empty >= 0) throw dataError(`${source}, line ${table.lines[empty]}, column "${choices.target}": empty (every row needs a class to learn from)`);
    const classes = distinct(targetValues);
    if (classes.length < 2) throw dataError(`${source}: the target "${choices.target}" has only one class ("${classes[0]}"); classification needs at least 2`);
    target = { name: choices.target, kind: 'classification', classes };
  } else {
    const values = numbers(table, targetColumn, source);
    target = { name: choices.target, kind: 'regression', ...stats(values, trainRows, `${source}, target column "${choices.target}"`) };
  }
  return { version: 1, inputs, target };
}

/** Network inputs per encoded row: one per numeric column, one per category. */
export function inputWidth(p: Preprocessing): number {
  return p.inputs.reduce((n, col) => n + (col.kind === 'numeric' ? 1 : col.categories.length), 0);
}

/** Network outputs the encoding's target needs: one per class, or one number. */
export function outputWidth(p: Preprocessing): number {
  return p.target.kind === 'classification' ? p.target.classes.length : 1;
}

/**
 * Encodes a file's inputs. Columns are found by name (order and extra
 * columns do not matter); a missing column, a value that is not a number in
 * a numeric column, a value that standardizes beyond float32, or a category
 * training never saw is an error naming the line and column.
 */
export function encodeInputs(table: CsvTable, p: Preprocessing, source: string): number[][] {
  const width = inputWidth(p);
  const indexes = columnIndexes(table);
  const rows = table.rows.map(() => new Array<number>(width).fill(0));
  let offset = 0;
  for (const col of p.inputs) {
    const c = columnIndex(table, indexes, col.name, source, 'an input of the model');
    if (col.kind === 'numeric') {
      numbers(table, c, source).forEach((x, r) => { rows[r][offset] = standardize(x, col.mean, col.std, table, r, c, source); });
      offset += 1;
      continue;
    }
    const positions = new Map(col.categories.map((name, k) => [name, k]));
    column(table, c).forEach((value, r) => {
      const k = positions.get(value);
      if (k === undefined) {
        const known = col.categories.slice(0, 20).map((v) => `"${v}"`).join(', ');
        throw dataError(`${source}, line ${table.lines[r]}, column "${col.name}": unknown category "${value}"` +
          ` (the model knows ${known}${col.categories.length > 20 ? `, … (${col.categories.length} in all)` : ''})`);
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
  const c = columnIndex(table, columnIndexes(table), target.name, source, 'the target');
  if (target.kind === 'regression') return numbers(table, c, source).map((y, r) => [standardize(y, target.mean, target.std, table, r, c, source)]);
  const positions = new Map(target.classes.map((name, k) => [name, k]));
  return column(table, c).map((value) => {
    const row = new Array<number>(target.classes.length).fill(0);
    const k = positions.get(value);
    if (k !== undefined) row[k] = 1;
    return row;
  });
}

/**
 * Checks that a model file's `preprocessing` field has the shape `fitEncoding`
 * writes: names unique and non-empty, categories and classes unique, every
 * mean and standard deviation finite in float32 and every std positive.
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
  p.inputs.forEach((col, i) => {
    const ok = isName(col?.name) && (col.kind === 'numeric' ? isStat(col.mean) && isScale(col.std)
      : col.kind === 'categorical' && isNames(col.categories));
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
