/** Walking the computational graph without recursion, so graphs of any depth fit the stack. */
import type { Tensor } from './tensor.js';

/**
 * Every node that leads to `root` (through inputs that `follow` accepts),
 * inputs before the ops that use them: a depth-first post-order kept on an
 * explicit stack, in the order a recursive walk would give.
 */
export function postOrder(root: Tensor, follow: (input: Tensor) => boolean = () => true): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const nodes: Tensor[] = [root];
  const next: number[] = [0];
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const inputs = node.inputs;
    const i = next[top];
    if (i < inputs.length) {
      next[top] = i + 1;
      const input = inputs[i];
      if (!seen.has(input) && follow(input)) {
        seen.add(input);
        nodes.push(input);
        next.push(0);
      }
    } else {
      nodes.pop();
      next.pop();
      order.push(node);
    }
  }
  return order;
}
