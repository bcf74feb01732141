/**
 * Terminal formatting for the demo: numbers, vectors, aligned tables and a
 * one-line training progress display (the library's bar). No dependencies; colour only when
 * stdout is a terminal (and NO_COLOR is unset), so CI logs stay plain text.
 */
import { ProgressBar } from '../nn/callbacks/progress.js';

const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const paint = (code: string) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const green = paint('32');
export const red = paint('31');
export const cyan = paint('36');

/** Visible width of a string: ANSI colour codes take no columns. */
function width(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC (\x1b) starts the ANSI colour codes this strips
  return [...text.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

function padEnd(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

function padStart(text: string, size: number): string {
  return ' '.repeat(Math.max(0, size - width(text))) + text;
}

/** Fixed-point with a leading space for positives, so columns of mixed signs line up. */
export function num(value: number, digits = 6): string {
  const text = value.toFixed(digits);
  return value < 0 || Object.is(value, -0) ? text.replace(/^-/, '−') : ` ${text}`;
}

/** Tiny differences (rounding noise) in scientific notation; exact zero as "0". */
export function diff(value: number): string {
  if (value === 0) return '0';
  const [mantissa, exponent] = Math.abs(value).toExponential(1).split('e');
  return `${value < 0 ? '−' : ''}${mantissa}e${exponent.replace('+', '')}`;
}

/** [a, b, c] with each entry fixed-point. */
export function vec(values: readonly number[], digits = 6): string {
  return `[${values.map((v) => num(v, digits).trim()).join(', ')}]`;
}

/** "1.23 s" or "45.6 ms". */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** "1.23 M" / "45.6 k" per second. */
export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A section title with an underline as wide as the title. */
export function heading(title: string): string {
  return `\n${bold(title)}\n${dim('─'.repeat(width(title)))}`;
}

/**
 * Rows under a header, columns separated by two spaces. `align` has one 'l'
 * or 'r' per column (default: first column left, the rest right, for numbers).
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: string, indent = '  '): string {
  const aligns = align ?? 'l' + 'r'.repeat(header.length - 1);
  // A loop, not Math.max(...rows): spreading a model's 100k input columns as arguments can overflow the stack.
  const widths = header.map((h, c) => rows.reduce((w, row) => Math.max(w, width(row[c] ?? '')), width(h)));
  const line = (cells: readonly string[]) => indent + cells
    .map((cell, c) => (aligns[c] === 'l' ? padEnd(cell, widths[c]) : padStart(cell, widths[c])))
    .join('  ')
    .trimEnd();
  const rule = indent + widths.map((w) => '─'.repeat(w)).join('  ');
  return [bold(line(header)), dim(rule), ...rows.map(line)].join('\n');
}

/**
 * The demo's training progress: the library's bar (src/nn/callbacks/progress.ts,
 * the one `wasmgrad train` and fit's progress option draw), labelled with the
 * backend, on stdout: redrawn in place on a terminal, a line per tenth of the
 * epochs in a log.
 */
export class Progress extends ProgressBar {
  constructor(label: string, total: number) {
    super(process.stdout, total, undefined, { label, paint: { filled: cyan, empty: dim } });
  }
}
