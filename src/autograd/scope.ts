/**
 * Scopes: tidy() frees the tensors made inside it, noGrad() stops the graph
 * from being recorded. Both end on every exit path, a throw included, so a
 * function that fails halfway leaks nothing.
 */
import { codedError } from '../errors.js';
import { argumentError } from '../nn/validate.js';
import { closeScope, openScope } from './scope-stack.js';
import { Tensor } from './tensor.js';

export { untrack } from './scope-stack.js';

/** Depth of noGrad() calls: while > 0, ops record no graph. */
let noGradDepth = 0;

/** True while ops should record the graph. */
export function recording(): boolean {
  return noGradDepth === 0;
}

/** Runs fn without recording any graph (gradient rules run this way). */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw argumentError('noGrad', 'fn', 'a function', fn);
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/** Runs fn recording the graph even inside noGrad() (valueAndGrad asks for gradients explicitly). */
export function withGrad<T>(fn: () => T): T {
  const depth = noGradDepth;
  noGradDepth = 0;
  try {
    return fn();
  } finally {
    noGradDepth = depth;
  }
}

/**
 * Tensors found in a value returned from tidy(): a tensor, or arrays and
 * plain objects of them, at any depth. Iterative, and each object is visited
 * once, so deep or cyclic results cannot overflow the stack or loop.
 */
function collectTensors(value: unknown): Set<Tensor> {
  const found = new Set<Tensor>();
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Tensor) found.add(v);
    else if (v !== null && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) stack.push(v[i]);
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return found;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';

const NOTHING: ReadonlySet<Tensor> = new Set();

/**
 * Runs fn and then frees every tensor created inside it, except those it
 * returns (a tensor, or arrays/plain objects of tensors), which move to the
 * enclosing scope. Gradients stored on tensors made outside stay. If fn
 * throws, everything it made is freed and the error goes on unchanged.
 * fn must be synchronous: a Promise is refused (as TensorFlow.js does), since
 * the scope would end before the tensors made after an `await` exist.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw argumentError('tidy', 'fn', 'a function', fn);
  const scope = openScope();
  let kept: Set<Tensor>;
  let result: T;
  try {
    result = fn();
    if (isThenable(result)) {
      // The caller learns of the mistake from this throw; a later rejection of
      // the abandoned promise must not also crash the process as unhandled.
      result.then(undefined, () => undefined);
      throw codedError('WASMGRAD_INVALID_ARGUMENT', 'tidy: fn returned a Promise (an async function?); tidy cannot follow tensors across an await: '
        + 'make fn synchronous and call tidy inside the async code instead', 'TypeError');
    }
    kept = collectTensors(result);
  } catch (error) {
    closeScope(scope, NOTHING);
    throw error;
  }
  closeScope(scope, kept);
  return result;
}
