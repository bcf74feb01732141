import { internalError } from '../../errors.js';
import type { MemoryViews } from '../../heap.js';
import { BINARY_IDS, SCALAR_IDS, UNARY_IDS } from '../kinds.js';
import { sigmoid } from './activations.js';

// The pure-TS twin of assembly/elementwise.ts: one kernel per arity, the operation chosen by an id.

const UNARY: ((x: number) => number)[] = [];
UNARY[UNARY_IDS.neg] = (x) => -x;
UNARY[UNARY_IDS.exp] = Math.exp;
UNARY[UNARY_IDS.log] = Math.log;
UNARY[UNARY_IDS.sqrt] = Math.sqrt;
UNARY[UNARY_IDS.abs] = Math.abs;
UNARY[UNARY_IDS.sigmoid] = sigmoid;
UNARY[UNARY_IDS.tanh] = Math.tanh;
UNARY[UNARY_IDS.relu] = (x) => (x > 0 ? x : 0);
UNARY[UNARY_IDS.sign] = (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
UNARY[UNARY_IDS.step] = (x) => (x > 0 ? 1 : 0);

const BINARY: ((a: number, b: number) => number)[] = [];
BINARY[BINARY_IDS.add] = (a, b) => a + b;
BINARY[BINARY_IDS.sub] = (a, b) => a - b;
BINARY[BINARY_IDS.mul] = (a, b) => a * b;
BINARY[BINARY_IDS.div] = (a, b) => a / b;
BINARY[BINARY_IDS.pow] = Math.pow;
BINARY[BINARY_IDS.equal] = (a, b) => (a === b ? 1 : 0);

const SCALAR: ((x: number, s: number) => number)[] = [];
SCALAR[SCALAR_IDS.add] = (x, s) => x + s;
SCALAR[SCALAR_IDS.rsub] = (x, s) => s - x;
SCALAR[SCALAR_IDS.mul] = (x, s) => x * s;
SCALAR[SCALAR_IDS.rdiv] = (x, s) => s / x;
SCALAR[SCALAR_IDS.pow] = (x, s) => Math.pow(x, s);
SCALAR[SCALAR_IDS.rpow] = (x, s) => Math.pow(s, x);

function known<T>(table: T[], op: number, kernel: string): T {
  const fn = table[op];
  if (!fn) throw internalError(`${kernel}: unknown operation id ${op}`);
  return fn;
}

export function mapUnary(v: MemoryViews, op: number, n: number, x: number, y: number): void {
  const f = v.f32, fn = known(UNARY, op, 'mapUnary'), X = x >>> 2, Y = y >>> 2;
  for (let i = 0; i < n; i++) f[Y + i] = fn(f[X + i]);
}

export function mapBinary(v: MemoryViews, op: number, n: number, a: number, b: number, y: number): void {
  const f = v.f32, fn = known(BINARY, op, 'mapBinary'), A = a >>> 2, B = b >>> 2, Y = y >>> 2;
  for (let i = 0; i < n; i++) f[Y + i] = fn(f[A + i], f[B + i]);
}

export function mapScalar(v: MemoryViews, op: number, n: number, x: number, s: number, y: number): void {
  const f = v.f32, fn = known(SCALAR, op, 'mapScalar'), X = x >>> 2, Y = y >>> 2, scalar = Math.fround(s);
  for (let i = 0; i < n; i++) f[Y + i] = fn(f[X + i], scalar);
}
