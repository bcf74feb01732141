/**
 * The stack of open tidy() scopes: which tensors each one owns. Tensors
 * report here when they are made and freed; src/autograd/scope.ts opens and
 * closes the scopes. Kept apart from scope.ts, which needs the Tensor class
 * itself (instanceof), so that tensor.ts → scope-stack.ts is not a cycle.
 */
import type { Tensor } from './tensor.js';

/** Tensors created inside tidy() scopes, innermost last (module instance state). */
const scopes: Set<Tensor>[] = [];

/** Called by the Tensor constructor: the innermost tidy() scope owns the new tensor. */
export function scopeCreated(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Called by Tensor.dispose(): no scope needs to free it any more. */
export function scopeDisposed(t: Tensor): void {
  for (const scope of scopes) scope.delete(t);
}

/** Opens a scope: tensors made from now on belong to it until it closes. */
export function openScope(): Set<Tensor> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  return scope;
}

/** Ends `scope`: its tensors in `kept` move to the enclosing scope, every other one is freed. */
export function closeScope(scope: Set<Tensor>, kept: ReadonlySet<Tensor>): void {
  const at = scopes.lastIndexOf(scope);
  if (at >= 0) scopes.splice(at, 1);
  const outer = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) outer?.add(t);
    else t.dispose();
  }
}

/** Keeps `t` out of every enclosing tidy() scope (used for gradients, which belong to their tensor). */
export function untrack(t: Tensor): Tensor {
  for (const scope of scopes) scope.delete(t);
  return t;
}
