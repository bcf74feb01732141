/**
 * Reverse-mode differentiation: walk the graph from the output back to the
 * leaves in reverse topological order, applying each op's gradient rule (the
 * chain rule), and where a node feeds several others, sum the gradients that
 * flow back to it (the seed's last note).
 */
import { argumentError } from '../nn/validate.js';
import { formatShape, sameShape, sumToShape } from './broadcast.js';
import { fromValues } from './create.js';
import { add } from './ops/elementwise.js';
import { noGrad, Tensor, tidy, untrack } from './tensor.js';

/** The nodes that lead to `root` and need gradients, inputs before the ops that use them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const visit = (node: Tensor) => {
    if (seen.has(node) || !node.requiresGrad) return;
    seen.add(node);
    for (const input of node.inputs) visit(input);
    order.push(node);
  };
  visit(root);
  return order;
}

function seedGradient(root: Tensor, seed: Tensor | number | undefined): Tensor {
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new RangeError(`backward: ${root.label()} has shape ${formatShape(root.shape)}, not a scalar; `
        + 'pass the gradient to start from, of the same shape: backward(seed)');
    }
    return fromValues([1], root.shape, { backend: root.backend });
  }
  if (typeof seed === 'number') {
    if (root.size !== 1) throw argumentError('backward', 'seed', `a tensor of shape ${formatShape(root.shape)}`, seed);
    return fromValues([seed], root.shape, { backend: root.backend });
  }
  if (!(seed instanceof Tensor) || !sameShape(seed.shape, root.shape)) {
    throw argumentError('backward', 'seed', `a tensor of shape ${formatShape(root.shape)} (the shape of ${root.label()})`, seed);
  }
  seed.assertLive('backward');
  return seed;
}

/**
 * Computes ∂root/∂node for every node that requires a gradient. Leaves
 * accumulate into `.grad` across calls (call zeroGrad() to reset); other
 * nodes keep the gradient of the latest call, for inspection.
 */
export function backward(root: Tensor, seed?: Tensor | number): void {
  root.assertLive('backward');
  if (!root.requiresGrad) {
    throw new Error(`backward: ${root.label()} does not depend on any tensor with requiresGrad: true, so there is nothing to differentiate`);
  }
  const order = topologicalOrder(root);
  for (const node of order) node.assertLive('backward');
  const passGrads = tidy(() => noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, seedGradient(root, seed));
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const g = grads.get(node);
      if (!g || !node.gradientRule) continue;
      const inputGrads = node.gradientRule(g);
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        const shaped = sumToShape(gi, input.shape);
        const previous = grads.get(input);
        // A node that feeds several others receives the sum of their gradients.
        grads.set(input, previous ? add(previous, shaped) : shaped);
      });
    }
    return order.filter((node) => grads.has(node)).map((node) => [node, grads.get(node)!] as const);
  }));
  // A rule may hand the same tensor to several inputs (add's [g, g]): every node gets its own.
  const owned = new Set<Tensor>();
  const own = (g: Tensor) => {
    const mine = owned.has(g) || g === seed ? noGrad(() => add(g, 0)) : g;
    owned.add(mine);
    return untrack(mine);
  };
  for (const [node, passGrad] of passGrads) {
    const g = own(passGrad);
    if (node.op === 'leaf' && node.grad) {
      const total = untrack(noGrad(() => add(node.grad!, g)));
      node.grad.dispose();
      g.dispose();
      node.grad = total;
    } else {
      node.grad?.dispose();
      node.grad = g;
    }
  }
}
