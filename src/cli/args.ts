/**
 * Command-line arguments: splitting them into positionals and flags, and
 * reading flag values strictly. Numbers are plain decimals only, since
 * Number() would also take '', ' 1', '0x10', '1e3' for a count and
 * 'Infinity'; a typo should fail in milliseconds, not train something else.
 */
import { usageError } from './errors.js';

export type Flags = Record<string, string | true>;

/** A subcommand: the flags it takes (with a value, or none) and what it does. */
export interface Command {
  strings: readonly string[];
  booleans: readonly string[];
  run(positionals: string[], flags: Flags): Promise<void>;
}

/** Splits arguments into positionals and flags (`--name value`, `--name=value`, `--flag`); unknown flags are usage errors. */
export function parseArgs(command: string, argv: readonly string[], spec: Command): { positionals: string[]; flags: Flags } {
  const positionals: string[] = [];
  // A null-prototype object, so a flag named --__proto__ or --constructor is just an unknown flag.
  const flags: Flags = Object.create(null);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (arg === '-h') { flags.help = true; continue; }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg;
    if (name === 'help' || spec.booleans.includes(name)) {
      if (eq >= 0) throw usageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (spec.strings.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw usageError(`--${name} needs a value`);
      flags[name] = value;
    } else {
      throw usageError(`unknown option ${arg.slice(0, eq < 0 ? undefined : eq)} for "wasmgrad ${command}"`);
    }
  }
  return { positionals, flags };
}

/** Exactly the positionals `names` describes, or a usage error saying what was expected. */
export function positionals(command: string, given: string[], names: string[]): string[] {
  if (given.length !== names.length) {
    throw usageError(`"wasmgrad ${command}" takes ${names.join(' and ')}, got ${given.length ? given.map((g) => `"${g}"`).join(' ') : 'nothing'}`);
  }
  return given;
}

/** A flag's text (or `fallback`); an empty value is a usage error. */
export function text(flags: Flags, name: string, fallback: string): string {
  const value = flags[name] ?? fallback;
  if (typeof value !== 'string' || value === '') throw usageError(`--${name} needs a value`);
  return value;
}

const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A whole-number flag in plain digits (no sign, exponent, hex or spaces) from `min` to `max`. */
export function integerFlag(flags: Flags, name: string, fallback: number, min: number, max: number): number {
  if (flags[name] === undefined) return fallback;
  const raw = text(flags, name, '');
  const value = Number(raw);
  if (!INTEGER.test(raw) || value < min || value > max) {
    throw usageError(`--${name} must be a whole number from ${min} to ${max} in plain digits, got "${raw}"`);
  }
  return value;
}

/**
 * A decimal-number flag (digits, an optional fraction and exponent: 0.01,
 * 1e-3; no sign, hex or spaces) for which `valid` holds; `expected` says
 * what is allowed.
 */
export function numberFlag(flags: Flags, name: string, fallback: number, valid: (x: number) => boolean, expected: string): number {
  if (flags[name] === undefined) return fallback;
  const raw = text(flags, name, '');
  if (!DECIMAL.test(raw) || !valid(Number(raw))) throw usageError(`--${name} must be ${expected}, got "${raw}"`);
  return Number(raw);
}

/** A flag whose value is one of `options`. */
export function choice<T extends string>(flags: Flags, name: string, fallback: T, options: readonly T[]): T {
  const value = text(flags, name, fallback);
  if (!options.includes(value as T)) throw usageError(`--${name} must be one of ${options.join(', ')}, got "${value}"`);
  return value as T;
}
