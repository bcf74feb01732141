/**
 * Making an op's output: allocate it, compute it, and record it in the graph
 * (its inputs always, its gradient rule when an input requires a gradient).
 */
import { recording } from '../scope.js';
import { allocate, assertLive, type GradientRule, type Tensor } from '../tensor.js';

export function makeOp(
  op: string, shape: readonly number[], inputs: readonly Tensor[], compute: (out: Tensor) => void,
  rule: GradientRule, opDetail = '',
): Tensor {
  // Checked before the output is allocated, so a disposed input costs nothing.
  for (const input of inputs) assertLive(input, op);
  const record = recording();
  const requiresGrad = record && inputs.some((t) => t.requiresGrad);
  const out = allocate(shape, inputs[0].backend, {
    requiresGrad, op, opDetail, inputs: record ? inputs : [], gradientRule: requiresGrad ? rule : null,
  });
  try {
    compute(out);
  } catch (error) {
    out.dispose();
    throw error;
  }
  return out;
}
