/**
 * Reverse-mode differentiation: walk the graph from the output back to the
 * leaves in reverse topological order, applying each op's gradient rule (the
 * chain rule), and where a node feeds several others, sum the gradients that
 * flow back to it (the seed's last note).
 *
 * Nothing here recurses per node (a chain of 100,000 ops works), and nothing
 * changes until every new gradient exists: a failure part way (a disposed
 * input, memory that runs out) frees what was made and leaves every `.grad`
 * as it was.
 */
import { codedError, shapeError } from '../errors.js';
import { argumentError } from '../nn/validate.js';
import { formatShape, sameShape, sumToShape } from './broadcast.js';
import { copyOf, fromValues } from './create.js';
import { postOrder } from './graph.js';
import { add } from './ops/elementwise.js';
import { noGrad, tidy, untrack } from './scope.js';
import { assertLive, peekNextId, setGrad, Tensor } from './tensor.js';

/** Checks the seed against root, before anything is allocated; returns how to make the starting gradient. */
function checkSeed(root: Tensor, seed: unknown): () => Tensor {
  if (seed === undefined) {
    if (root.size !== 1) {
      throw shapeError(`backward: ${root.label()} has shape ${formatShape(root.shape)}, not a scalar; `
        + 'pass the gradient to start from, of the same shape: backward(seed)');
    }
    return () => fromValues([1], root.shape, { backend: root.backend }, 'backward');
  }
  if (typeof seed === 'number') {
    if (root.size !== 1) throw argumentError('backward', 'seed', `a tensor of shape ${formatShape(root.shape)}`, seed);
    const value = seed;
    return () => fromValues([value], root.shape, { backend: root.backend }, 'backward', () => 'seed');
  }
  if (!(seed instanceof Tensor) || !sameShape(seed.shape, root.shape)) {
    throw argumentError('backward', 'seed', `a tensor of shape ${formatShape(root.shape)} (the shape of ${root.label()})`, seed);
  }
  assertLive(seed, 'backward');
  return () => seed;
}

/**
 * Computes ∂root/∂node for every node that requires a gradient. Leaves
 * accumulate into `.grad` across calls (call zeroGrad() to reset); other
 * nodes keep the gradient of the latest call, for inspection.
 */
export function backward(root: Tensor, seed?: Tensor | number): void {
  if (!(root instanceof Tensor)) throw argumentError('backward', 'root', 'a Tensor', root);
  assertLive(root, 'backward');
  if (!root.requiresGrad) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT',
      `backward: ${root.label()} does not depend on any tensor with requiresGrad: true, so there is nothing to differentiate`);
  }
  const makeSeed = checkSeed(root, seed);
  // The nodes that need gradients, inputs before the ops that use them.
  const order = postOrder(root, (input) => input.requiresGrad);
  // Every tensor a rule may read (inputs that need no gradient too) must still be there.
  for (const node of order) {
    assertLive(node, 'backward');
    for (const input of node.inputs) assertLive(input, 'backward');
  }
  // Tensors with an id from here on were made by this call, so it may hand them to nodes.
  const firstId = peekNextId();
  const results = tidy(() => noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, makeSeed());
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const g = grads.get(node);
      const rule = node.gradientRule;
      if (!g || !rule) continue;
      const inputGrads = rule(g);
      const inputs = node.inputs;
      for (let k = 0; k < inputs.length; k++) {
        const input = inputs[k];
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) continue;
        const shaped = sumToShape(gi, input.shape);
        const previous = grads.get(input);
        // A node that feeds several others receives the sum of their gradients.
        grads.set(input, previous ? add(previous, shaped) : shaped);
      }
    }
    // Each node gets a tensor of its own: a rule may hand one tensor to several
    // inputs (add's [g, g]), and the caller's seed stays the caller's.
    const claimed = new Set<Tensor>();
    const pairs: [Tensor, Tensor][] = [];
    for (const node of order) {
      const g = grads.get(node);
      if (!g) continue;
      let mine: Tensor;
      if (node.op === 'leaf' && node.grad) mine = add(node.grad, g);
      else if (g.id >= firstId && !claimed.has(g)) mine = g;
      else mine = copyOf(g);
      claimed.add(mine);
      pairs.push([node, mine]);
    }
    return pairs;
  }));
  // Nothing below allocates or throws: the new gradients replace the old ones together.
  for (const [node, g] of results) {
    untrack(g);
    setGrad(node, g);
  }
}
