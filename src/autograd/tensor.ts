/**
 * Tensors: float32 values in linear memory, a shape, and (when any input
 * requires a gradient) the op that made them, so that `backward()` can walk
 * the computational graph in reverse with the chain rule.
 *
 * Ops live in src/autograd/ops/, each with its gradient beside it, and are
 * attached to Tensor as methods by src/autograd/index.ts. Scopes (tidy,
 * noGrad) live in src/autograd/scope.ts, the tensors each owns in scope-stack.ts.
 *
 * Everything that decides which memory a tensor reads or frees (its address,
 * shape, size, backend, inputs) is private with a read-only getter, and the
 * constructor only answers to this module: a caller who could set `ptr` or
 * `size`, or build a Tensor over any address, could make a kernel write past
 * a block or free another object's memory.
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { codedError, disposedError } from '../errors.js';
import { argumentError } from '../nn/validate.js';
import { runtime } from '../runtime.js';
import { formatShape } from './shape.js';
import { scopeCreated, scopeDisposed } from './scope-stack.js';

/** A gradient rule: given ∂L/∂output, returns ∂L/∂input for each input (null where none is needed). */
export type GradientRule = (outputGrad: Tensor) => (Tensor | null)[];

export interface TensorOptions {
  /** Track operations on this tensor so gradients can flow back to it. Default false. */
  requiresGrad?: boolean;
  /** A name shown by trace() and toDot(). */
  name?: string;
  /** Which kernels compute with this tensor. Default 'wasm'. */
  backend?: BackendName;
}

/** Nested arrays of numbers (any depth), as `tensor()` accepts and `toArray()` returns. */
export type NestedArray = number | NestedArray[];

/** How a node entered the graph. */
export interface GraphInfo {
  requiresGrad: boolean;
  op: string;
  opDetail?: string;
  inputs?: readonly Tensor[];
  gradientRule?: GradientRule | null;
  name?: string;
}

/** Only allocate() holds this, so only this module can construct tensors. */
const CONSTRUCT = Symbol('wasmgrad.Tensor');

let nextId = 1;

/** The id the next tensor will get: every tensor made after this call has an id ≥ it. */
export function peekNextId(): number {
  return nextId;
}

/** Set by Tensor's static block: the one way to write a gradient from outside the class. */
let replaceGrad: (t: Tensor, g: Tensor | null) => void;

/**
 * A float32 array in linear memory with a shape, and its place in the
 * computational graph. Made by tensor(), scalar(), zeros(), ones() and the
 * ops; freed by dispose() or by the tidy() scope it was made in. After
 * dispose(), every method that reads its values throws WASMGRAD_DISPOSED.
 */
export class Tensor {
  readonly #id: number;
  readonly #shape: readonly number[];
  readonly #size: number;
  readonly #ptr: number;
  readonly #backend: BackendName;
  readonly #requiresGrad: boolean;
  readonly #op: string;
  readonly #opDetail: string;
  #inputs: readonly Tensor[];
  #gradientRule: GradientRule | null;
  #grad: Tensor | null = null;
  #disposed = false;
  #name: string | undefined;

  /** Not for callers: use tensor(), scalar(), zeros(), ones() or an op. */
  constructor(key: symbol, shape: readonly number[], size: number, ptr: number, backend: BackendName, graph: GraphInfo) {
    if (key !== CONSTRUCT) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', 'Tensor: the constructor is internal; make tensors with tensor(), scalar(), zeros(), ones() or an op', 'TypeError');
    }
    this.#id = nextId++;
    this.#shape = Object.freeze([...shape]);
    this.#size = size;
    this.#ptr = ptr;
    this.#backend = backend;
    this.#requiresGrad = graph.requiresGrad;
    this.#op = graph.op;
    this.#opDetail = graph.opDetail ?? '';
    this.#inputs = Object.freeze([...(graph.inputs ?? [])]);
    this.#gradientRule = graph.gradientRule ?? null;
    this.#name = graph.name;
    scopeCreated(this);
  }

  /** A number unique to this tensor in this process, in order of creation. */
  get id(): number { return this.#id; }
  /** The dimensions, outermost first ([] for a scalar). Frozen. */
  get shape(): readonly number[] { return this.#shape; }
  /** The number of values (the product of the shape). */
  get size(): number { return this.#size; }
  get rank(): number { return this.#shape.length; }
  /** Byte address of the values in linear memory (read-only). */
  get ptr(): number { return this.#ptr; }
  /** Which kernels compute with this tensor. */
  get backend(): BackendName { return this.#backend; }
  /** Whether gradients flow back to this tensor. */
  get requiresGrad(): boolean { return this.#requiresGrad; }
  /** The op that made this tensor ('leaf' for tensors made from data). */
  get op(): string { return this.#op; }
  /** A short description of the op's non-tensor arguments (e.g. "× 3"), for traces. */
  get opDetail(): string { return this.#opDetail; }
  /** The tensors this op read (frozen; empty for leaves and for ops made under noGrad). */
  get inputs(): readonly Tensor[] { return this.#inputs; }
  /** The op's gradient rule (null when no input requires a gradient). */
  get gradientRule(): GradientRule | null { return this.#gradientRule; }
  /** ∂(the tensor backward() was called on)/∂(this), after backward(); accumulates on leaves. Reset with zeroGrad(). */
  get grad(): Tensor | null {
    // A gradient the caller disposed reads as none, so the next backward() starts afresh.
    const g = this.#grad;
    return g && !g.disposed ? g : null;
  }
  get disposed(): boolean { return this.#disposed; }

  /** A name shown by trace() and toDot(), and in error messages (a string, or undefined for none). */
  get name(): string | undefined { return this.#name; }
  set name(value: string | undefined) {
    if (value !== undefined && typeof value !== 'string') throw argumentError('Tensor.name', 'value', 'a string or undefined', value);
    this.#name = value;
  }

  /** A copy of the values, row-major. */
  dataSync(): Float32Array {
    assertLive(this, 'Tensor.dataSync');
    const start = this.#ptr >>> 2;
    return runtime().heap.views.f32.slice(start, start + this.#size);
  }

  /** The values as nested arrays of this tensor's shape (a number for a scalar). */
  toArray(): NestedArray {
    assertLive(this, 'Tensor.toArray');
    const data = this.dataSync();
    const shape = this.#shape;
    if (shape.length === 0) return data[0];
    // Built from the innermost dimension out, so deep shapes need no recursion.
    let level: NestedArray[] = Array.from(data);
    for (let d = shape.length - 1; d >= 0; d--) {
      const n = shape[d];
      const next: NestedArray[] = new Array(level.length / n);
      for (let k = 0; k < next.length; k++) next[k] = level.slice(k * n, (k + 1) * n);
      level = next;
    }
    return level[0];
  }

  /** The value of a one-element tensor. */
  item(): number {
    assertLive(this, 'Tensor.item');
    if (this.#size !== 1) {
      throw codedError('WASMGRAD_SHAPE', `Tensor.item: needs a tensor of one element, got shape ${formatShape(this.#shape)}`, 'RangeError');
    }
    return this.dataSync()[0];
  }

  /** "name" or "op#id", for messages. */
  label(): string {
    return this.name ?? `${this.#op}#${this.#id}`;
  }

  /**
   * Frees this tensor's memory (and its gradient's). Any later use throws
   * WASMGRAD_DISPOSED. Idempotent. The graph links are dropped too, so a
   * disposed node keeps nothing alive.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    runtime().heap.free(this.#ptr);
    scopeDisposed(this);
    const g = this.#grad;
    this.#grad = null;
    // A gradient is made under noGrad and has no gradient of its own: no recursion.
    g?.dispose();
    this.#inputs = Object.freeze([]);
    this.#gradientRule = null;
  }

  /** Sets the gradient to zero (frees it). */
  zeroGrad(): void {
    assertLive(this, 'Tensor.zeroGrad');
    setGrad(this, null);
  }

  static {
    replaceGrad = (t, g) => {
      const old = t.#grad;
      t.#grad = g;
      if (old && old !== g) old.dispose();
    };
  }
}

/** Replaces t's gradient with g (owned by t from now on), freeing the old one. Internal: backward() and zeroGrad(). */
export function setGrad(t: Tensor, g: Tensor | null): void {
  replaceGrad(t, g);
}

/** Throws WASMGRAD_DISPOSED naming `where` and the tensor if its memory was freed. */
export function assertLive(t: Tensor, where: string): void {
  if (t.disposed) throw disposedError(`${where}: tensor ${t.label()} has been disposed`);
}

/** The kernels of t's backend; throws if t is disposed. */
export function kernelsOf(t: Tensor, where: string): Backend {
  assertLive(t, where);
  return runtime().backends[t.backend];
}

/** wasm32 addresses end at 4 GiB: a tensor bigger than that cannot exist. */
const MAX_TENSOR_BYTES = 2 ** 32;

/**
 * Allocates an uninitialised tensor of `shape` (a new node of the graph, or a
 * leaf). A shape too large for linear memory throws WASMGRAD_OUT_OF_MEMORY
 * and takes nothing.
 */
export function allocate(shape: readonly number[], backend: BackendName, graph: GraphInfo, where = graph.op): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const bytes = Math.max(size, 1) * 4;
  if (!(bytes <= MAX_TENSOR_BYTES)) {
    throw codedError('WASMGRAD_OUT_OF_MEMORY', `${where}: a tensor of shape ${formatShape(shape)} needs ${bytes} bytes, more than linear memory can hold (4 GiB)`, 'RangeError');
  }
  const ptr = runtime().heap.alloc(bytes);
  try {
    return new Tensor(CONSTRUCT, shape, size, ptr, backend, graph);
  } catch (error) {
    runtime().heap.free(ptr);
    throw error;
  }
}
