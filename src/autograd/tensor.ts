/**
 * Tensors: float32 values in linear memory, a shape, and (when any input
 * requires a gradient) the op that made them, so that `backward()` can walk
 * the computational graph in reverse with the chain rule.
 *
 * Ops live in src/autograd/ops/, each with its gradient beside it, and are
 * attached to Tensor as methods by src/autograd/index.ts.
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { runtime } from '../runtime.js';
import { describe } from '../nn/validate.js';

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

let nextId = 1;
/** Tensors created inside tidy() scopes, innermost last (module instance state). */
const scopes: Set<Tensor>[] = [];
/** Depth of noGrad() calls: while > 0, ops record no graph. */
let noGradDepth = 0;

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  /** Byte address of the values in linear memory. */
  readonly ptr: number;
  readonly backend: BackendName;
  readonly requiresGrad: boolean;
  /** ∂(the tensor backward() was called on)/∂(this), after backward(); accumulates on leaves. */
  grad: Tensor | null = null;
  /** The op that made this tensor ('leaf' for tensors made from data). */
  readonly op: string;
  /** A short description of the op's non-tensor arguments (e.g. "× 3"), for traces. */
  readonly opDetail: string;
  readonly inputs: readonly Tensor[];
  readonly gradientRule: GradientRule | null;
  name: string | undefined;
  #disposed = false;

  /** Use tensor(), scalar(), zeros() or an op. Takes ownership of the block at `ptr`. */
  constructor(shape: readonly number[], ptr: number, backend: BackendName, graph: {
    requiresGrad: boolean; op: string; opDetail?: string; inputs?: readonly Tensor[]; gradientRule?: GradientRule | null; name?: string;
  }) {
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.ptr = ptr;
    this.backend = backend;
    this.requiresGrad = graph.requiresGrad;
    this.op = graph.op;
    this.opDetail = graph.opDetail ?? '';
    this.inputs = graph.inputs ?? [];
    this.gradientRule = graph.gradientRule ?? null;
    this.name = graph.name;
    scopes[scopes.length - 1]?.add(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The kernels of this tensor's backend; throws if the tensor is disposed. */
  kernels(where: string): Backend {
    this.assertLive(where);
    return runtime().backends[this.backend];
  }

  /** Throws a clear error if this tensor's memory was freed. */
  assertLive(where: string): void {
    if (this.#disposed) throw new Error(`${where}: tensor ${this.label()} has been disposed`);
  }

  /** A copy of the values, row-major. */
  dataSync(): Float32Array {
    this.assertLive('Tensor.dataSync');
    const start = this.ptr >>> 2;
    return runtime().heap.views.f32.slice(start, start + this.size);
  }

  /** The values as nested arrays of this tensor's shape (a number for a scalar). */
  toArray(): NestedArray {
    const data = this.dataSync();
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return data[offset];
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`Tensor.item: needs a tensor of one element, got shape [${this.shape.join(', ')}]`);
    return this.dataSync()[0];
  }

  /** "name" or "op#id", for messages. */
  label(): string {
    return this.name ?? `${this.op}#${this.id}`;
  }

  /** Frees this tensor's memory (and its gradient's). Any later use throws. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    runtime().heap.free(this.ptr);
    for (const scope of scopes) scope.delete(this);
    this.grad?.dispose();
    this.grad = null;
  }

  /** Sets the gradient to zero (frees it). */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }
}

/** Allocates an uninitialised tensor of `shape` (a new node of the graph, or a leaf). */
export function allocate(shape: readonly number[], backend: BackendName, graph: ConstructorParameters<typeof Tensor>[3]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, runtime().heap.alloc(Math.max(size, 1) * 4), backend, graph);
}

/** True while ops should record the graph. */
export function recording(): boolean {
  return noGradDepth === 0;
}

/** Runs fn without recording any graph (gradient rules run this way). */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/** Tensors found in a value returned from tidy(): a tensor, or arrays and plain objects of them. */
function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) value.forEach((v) => collectTensors(v, into));
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    Object.values(value).forEach((v) => collectTensors(v, into));
  }
}

/**
 * Runs fn and then frees every tensor created inside it, except those it
 * returns (a tensor, or arrays/objects of tensors), which move to the
 * enclosing scope. Gradients stored on tensors made outside stay.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: fn must be a function, got ${describe(fn)}`);
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new TypeError('tidy: fn must not be async: the scope would end before its tensors are made');
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  for (const t of scope) {
    if (kept.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/** Keeps `t` out of every enclosing tidy() scope (used for gradients, which belong to their tensor). */
export function untrack(t: Tensor): Tensor {
  for (const scope of scopes) scope.delete(t);
  return t;
}
