/**
 * --missing's row filter: before the encoding is fitted, rows are left out
 * whose target is empty (under every policy but fail: a target is never
 * made up) and, under `drop`, rows with an empty input cell. Filling empty
 * inputs in (mean, mode) is the encoding's part (encoding.ts).
 */
import type { CsvTable } from './csv.js';
import { dataError } from './errors.js';
import type { MissingPolicy } from './encoding.js';

/** The rows kept, and how many were left out for an empty target or an empty input. */
export interface Dropped {
  table: CsvTable;
  emptyTarget: number;
  emptyInput: number;
}

/**
 * Leaves out the rows --missing says to (see the file's comment); `inputs`
 * are the names of the columns the network will read. An error when no
 * row is left.
 */
export function dropMissing(table: CsvTable, target: string, inputs: readonly string[], missing: MissingPolicy, source: string): Dropped {
  if (missing === 'fail') return { table, emptyTarget: 0, emptyInput: 0 };
  const indexes = new Map(table.header.map((name, c) => [name, c])); // not indexOf per column: files can have 100k columns
  const t = indexes.get(target) ?? -1;
  const used = missing === 'drop' ? inputs.map((name) => indexes.get(name) ?? -1).filter((c) => c >= 0) : [];
  let emptyTarget = 0, emptyInput = 0;
  const keep: number[] = [];
  table.rows.forEach((row, r) => {
    if (t >= 0 && row[t].trim() === '') emptyTarget++;
    else if (used.some((c) => row[c].trim() === '')) emptyInput++;
    else keep.push(r);
  });
  if (keep.length === 0) {
    throw dataError(`${source}: no row is left after --missing ${missing} (${emptyTarget} with an empty target, ${emptyInput} with an empty input)`);
  }
  if (keep.length === table.rows.length) return { table, emptyTarget, emptyInput };
  return { table: { header: table.header, rows: keep.map((r) => table.rows[r]), lines: keep.map((r) => table.lines[r]) }, emptyTarget, emptyInput };
}
