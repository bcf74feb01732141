/** Making tensors from data. */
import { BACKEND_NAMES, type BackendName } from '../backend/backend.js';
import { runtime } from '../runtime.js';
import { argumentError, describe, oneOf, optionalBoolean, plainObject } from '../nn/validate.js';
import { allocate, Tensor, type NestedArray, type TensorOptions } from './tensor.js';

function checkOptions(where: string, options: unknown): { requiresGrad: boolean; name?: string; backend: BackendName } {
  const o = plainObject(where, 'options', options ?? {});
  const requiresGrad = optionalBoolean(where, 'options.requiresGrad', o.requiresGrad, false);
  const backend = oneOf(where, 'options.backend', o.backend ?? runtime().defaultBackend, BACKEND_NAMES);
  if (o.name !== undefined && typeof o.name !== 'string') throw argumentError(where, 'options.name', 'a string', o.name);
  return { requiresGrad, backend, name: o.name as string | undefined };
}

/** A leaf tensor holding `values` (copied) with `shape`. */
export function fromValues(values: ArrayLike<number>, shape: readonly number[], options: TensorOptions = {}, where = 'tensor'): Tensor {
  const { requiresGrad, backend, name } = checkOptions(where, options);
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || Number.isNaN(values[i])) {
      throw argumentError(where, `values[${i}]`, 'a number', values[i]);
    }
  }
  const t = allocate(shape, backend, { requiresGrad, op: 'leaf', name });
  runtime().heap.views.f32.set(values, t.ptr >>> 2);
  return t;
}

/** Shape of nested arrays, checking that they are rectangular. */
function nestedShape(where: string, value: NestedArray, path: string): number[] {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value) || value.length === 0) throw argumentError(where, path, 'a number or a non-empty array', value);
  const inner = nestedShape(where, value[0], `${path}[0]`);
  value.forEach((v, i) => {
    const s = nestedShape(where, v, `${path}[${i}]`);
    if (s.join(',') !== inner.join(',')) {
      throw new RangeError(`${where}: ${path}[${i}] has shape [${s.join(', ')}], expected [${inner.join(', ')}] like ${path}[0]`);
    }
  });
  return [value.length, ...inner];
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`) or from a
 * Float32Array and its shape (`tensor(data, [2, 2])`).
 */
export function tensor(values: NestedArray | Float32Array, shapeOrOptions?: readonly number[] | TensorOptions, options?: TensorOptions): Tensor {
  if (values instanceof Float32Array) {
    if (!Array.isArray(shapeOrOptions)) throw argumentError('tensor', 'shape', 'an array of dimensions when values is a Float32Array', shapeOrOptions);
    const shape = shapeOrOptions as readonly number[];
    shape.forEach((d, i) => {
      if (!Number.isInteger(d) || d < 1) throw argumentError('tensor', `shape[${i}]`, 'a positive integer', d);
    });
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== values.length) {
      throw new RangeError(`tensor: shape [${shape.join(', ')}] holds ${size} values, but values has ${values.length}`);
    }
    return fromValues(values, shape, options);
  }
  if (typeof values !== 'number' && !Array.isArray(values)) throw argumentError('tensor', 'values', 'nested arrays of numbers or a Float32Array', values);
  const shape = nestedShape('tensor', values, 'values');
  const flat: number[] = typeof values === "number" ? [values] : ((values as unknown[]).flat(Infinity) as number[]);
  return fromValues(flat, shape, (shapeOrOptions as TensorOptions | undefined) ?? options);
}

/** A tensor of shape [] holding one number. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  if (typeof value !== 'number') throw argumentError('scalar', 'value', 'a number', value);
  return fromValues([value], [], options, 'scalar');
}

function filled(where: string, shape: readonly number[], value: number, options: TensorOptions): Tensor {
  if (!Array.isArray(shape)) throw argumentError(where, 'shape', 'an array of dimensions', shape);
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) throw argumentError(where, `shape[${i}]`, 'a positive integer', d);
  });
  const size = shape.reduce((a, b) => a * b, 1);
  return fromValues(new Float32Array(size).fill(value), shape, options, where);
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/** Accepts a tensor, or a number (made a constant scalar on `like`'s backend). */
export function toTensor(where: string, value: Tensor | number, like: Tensor): Tensor {
  if (value instanceof Tensor) {
    value.assertLive(where);
    return value;
  }
  if (typeof value === 'number') return fromValues([value], [], { backend: like.backend }, where);
  throw argumentError(where, 'operand', 'a Tensor or a number', value);
}

export { describe };
