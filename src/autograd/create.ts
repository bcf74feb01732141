/**
 * Making tensors from data. Every number that enters a tensor is checked
 * after its conversion to float32: NaN, ±Infinity and finite doubles beyond
 * float32's range (1e39 rounds to Infinity) are refused, naming where they
 * were, before anything is allocated.
 */
import { BACKEND_NAMES, type BackendName } from '../backend/backend.js';
import { shapeError } from '../errors.js';
import { defaultBackend, runtime } from '../runtime.js';
import { argumentError, describe, oneOf, optionalBoolean, plainObject } from '../nn/validate.js';
import { formatShape } from './shape.js';
import { allocate, assertLive, Tensor, type NestedArray, type TensorOptions } from './tensor.js';

const OPTION_KEYS: readonly string[] = ['requiresGrad', 'name', 'backend'];

function checkOptions(where: string, options: unknown): { requiresGrad: boolean; name?: string; backend: BackendName } {
  const o = plainObject(where, 'options', options ?? {});
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key)) throw argumentError(where, `options.${key}`, `one of the known options (${OPTION_KEYS.join(', ')})`, o[key]);
  }
  const requiresGrad = optionalBoolean(where, 'options.requiresGrad', o.requiresGrad, false);
  const backend = oneOf(where, 'options.backend', o.backend ?? defaultBackend(), BACKEND_NAMES);
  if (o.name !== undefined && typeof o.name !== 'string') throw argumentError(where, 'options.name', 'a string', o.name);
  return { requiresGrad, backend, name: o.name as string | undefined };
}

/** True for a number that float32 holds as a finite value. */
export function isFiniteFloat32(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(Math.fround(value));
}

/** Checks that `value` is a number float32 holds as a finite value; the error names `name`. */
export function float32Number(where: string, name: string, value: unknown): number {
  if (!isFiniteFloat32(value)) {
    const beyond = typeof value === 'number' && Number.isFinite(value);
    throw argumentError(where, name, beyond ? 'within float32\'s range (±3.4028234663852886e38)' : 'a finite number', value);
  }
  return value;
}

/** values[i][j]… for the element at flat `index` of `shape`. */
function indexPath(index: number, shape: readonly number[]): string {
  const parts: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    parts.push(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return `values${parts.reverse().map((i) => `[${i}]`).join('')}`;
}

/** Checks shape entries: positive integers whose product fits a safe integer. */
export function checkShape(where: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape)) throw argumentError(where, 'shape', 'an array of dimensions', shape);
  for (let i = 0; i < shape.length; i++) {
    if (!(i in shape)) throw argumentError(where, `shape[${i}]`, 'a positive integer (not an empty slot)', undefined);
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) throw argumentError(where, `shape[${i}]`, 'a positive integer', d);
  }
  return shape as readonly number[];
}

/**
 * A leaf tensor holding `values` (copied) with `shape`. Each value must be a
 * finite float32; `path` names an element in errors (flat index by default).
 */
export function fromValues(
  values: ArrayLike<number>, shape: readonly number[], options: TensorOptions = {}, where = 'tensor',
  path: (index: number) => string = (i) => `values[${i}]`,
): Tensor {
  const { requiresGrad, backend, name } = checkOptions(where, options);
  for (let i = 0; i < values.length; i++) {
    if (!isFiniteFloat32(values[i])) float32Number(where, path(i), values[i]);
  }
  const t = allocate(shape, backend, { requiresGrad, op: 'leaf', name }, where);
  runtime().heap.views.f32.set(values, t.ptr >>> 2);
  return t;
}

/** An internal constant (no graph, no checks: the values came from tensors already): `values` copied. */
export function constantFrom(values: Float32Array, shape: readonly number[], backend: BackendName, requiresGrad = false, name?: string): Tensor {
  const t = allocate(shape, backend, { requiresGrad, op: 'leaf', name });
  runtime().heap.views.f32.set(values, t.ptr >>> 2);
  return t;
}

/** An internal copy of t's values as a new leaf (no graph, no checks). */
export function copyOf(t: Tensor, options: { requiresGrad?: boolean; name?: string } = {}): Tensor {
  assertLive(t, 'copy');
  const out = allocate(t.shape, t.backend, { requiresGrad: options.requiresGrad ?? false, op: 'leaf', name: options.name });
  const f32 = runtime().heap.views.f32;
  f32.copyWithin(out.ptr >>> 2, t.ptr >>> 2, (t.ptr >>> 2) + t.size);
  return out;
}

/** An internal tensor of t's shape and backend holding zeros (no graph). */
export function zerosLike(t: Tensor): Tensor {
  const out = allocate(t.shape, t.backend, { requiresGrad: false, op: 'leaf' });
  const start = out.ptr >>> 2;
  runtime().heap.views.f32.fill(0, start, start + out.size);
  return out;
}

/**
 * Shape and row-major values of nested arrays, checking that they are
 * rectangular and have no holes. Level by level rather than recursively, so
 * the depth of nesting cannot overflow the stack.
 */
function flatten(where: string, values: NestedArray): { shape: number[]; flat: unknown[] } {
  // The expected shape follows the first element down; every other element must match it.
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    if (probe.length === 0) throw argumentError(where, indexPath(0, shape.map(() => 1)), 'a number or a non-empty array', probe);
    shape.push(probe.length);
    probe = probe[0];
  }
  let level: unknown[] = [values];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    const outer = shape.slice(0, d);
    const next: unknown[] = new Array(level.length * n);
    for (let k = 0; k < level.length; k++) {
      const item = level[k];
      if (!Array.isArray(item) || item.length !== n) {
        const found = shapeOfFirsts(item);
        throw shapeError(`${where}: ${indexPath(k, outer)} has shape ${formatShape(found)}, expected ${formatShape(shape.slice(d))}`
          + (Array.isArray(item) || typeof item === 'number' ? '' : ` (got ${describe(item)})`));
      }
      for (let i = 0; i < n; i++) {
        if (!(i in item)) {
          throw argumentError(where, indexPath(k * n + i, shape.slice(0, d + 1)), 'a value, but is a hole (an empty array slot)', undefined);
        }
        next[k * n + i] = item[i];
      }
    }
    level = next;
  }
  for (let i = 0; i < level.length; i++) {
    if (typeof level[i] !== 'number') {
      const v = level[i];
      if (Array.isArray(v)) throw shapeError(`${where}: ${indexPath(i, shape)} has shape ${formatShape(shapeOfFirsts(v))}, expected a number like values${shape.map(() => '[0]').join('')}`);
      throw argumentError(where, indexPath(i, shape), 'a number', v);
    }
  }
  return { shape, flat: level };
}

/** The shape an element would have if it were rectangular (following first elements), for messages. */
function shapeOfFirsts(value: unknown): number[] {
  const shape: number[] = [];
  while (Array.isArray(value) && shape.length < 32) {
    shape.push(value.length);
    value = value[0];
  }
  return shape;
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from a
 * Float32Array and its shape (`tensor(data, [2, 2])`). Every value must be a
 * number that float32 holds as a finite value; holes, ragged arrays and a
 * shape that does not match the data are refused with WASMGRAD_INVALID_ARGUMENT
 * or WASMGRAD_SHAPE, naming the element.
 */
export function tensor(values: NestedArray | Float32Array, shapeOrOptions?: readonly number[] | TensorOptions, options?: TensorOptions): Tensor {
  if (values instanceof Float32Array) {
    if (!Array.isArray(shapeOrOptions)) throw argumentError('tensor', 'shape', 'an array of dimensions when values is a Float32Array', shapeOrOptions);
    const shape = checkShape('tensor', shapeOrOptions);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== values.length) {
      throw shapeError(`tensor: shape ${formatShape(shape)} holds ${size} values, but values has ${values.length}`);
    }
    return fromValues(values, shape, options);
  }
  if (typeof values !== 'number' && !Array.isArray(values)) throw argumentError('tensor', 'values', 'nested arrays of numbers or a Float32Array', values);
  if (Array.isArray(shapeOrOptions)) throw argumentError('tensor', 'shape', 'omitted for nested arrays (their nesting is the shape)', shapeOrOptions);
  if (shapeOrOptions !== undefined && options !== undefined) {
    throw argumentError('tensor', 'options', 'given once (the second argument, for nested arrays)', options);
  }
  const { shape, flat } = flatten('tensor', values);
  return fromValues(flat as number[], shape, (shapeOrOptions as TensorOptions | undefined) ?? options, 'tensor', (i) => indexPath(i, shape));
}

/** A tensor of shape [] holding one number (a finite float32). */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  float32Number('scalar', 'value', value);
  return fromValues([value], [], options, 'scalar');
}

function filled(where: string, shape: readonly number[], value: number, options: TensorOptions): Tensor {
  checkShape(where, shape);
  const { requiresGrad, backend, name } = checkOptions(where, options);
  // Allocated first and filled in place: a shape too large fails in the heap, before any JS array of that size.
  const t = allocate(shape, backend, { requiresGrad, op: 'leaf', name }, where);
  const start = t.ptr >>> 2;
  runtime().heap.views.f32.fill(value, start, start + t.size);
  return t;
}

/** A tensor of `shape` filled with 0. */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/** Checks that `value` is a live Tensor (an op's tensor operand); the error names `where` and `name`. */
export function liveTensor(where: string, value: unknown, name = 'operand'): Tensor {
  if (!(value instanceof Tensor)) throw argumentError(where, name, 'a Tensor', value);
  assertLive(value, where);
  return value;
}
