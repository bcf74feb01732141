/**
 * Seeing the graph: a plain-text trace and Graphviz DOT, node by node with
 * op, shape, value and gradient, inputs before the ops that use them.
 */
import { runtime } from '../runtime.js';
import { liveTensor } from './create.js';
import { postOrder } from './graph.js';
import type { Tensor } from './tensor.js';

/** Every node that leads to root, inputs first. */
function nodesOf(where: string, root: Tensor): Tensor[] {
  liveTensor(where, root, 'root');
  return postOrder(root);
}

function formatValues(t: Tensor | null, limit = 6): string {
  if (!t) return '—';
  if (t.disposed) return '(disposed)';
  // Only the values shown are read: a trace of large tensors copies nothing else.
  const start = t.ptr >>> 2;
  const shown = runtime().heap.views.f32.subarray(start, start + Math.min(limit, t.size));
  const data = Array.from(shown, (v) => Number(v.toPrecision(6)));
  const text = data.join(', ');
  return t.size === 1 && t.rank === 0 ? text : `[${text}${t.size > limit ? ', …' : ''}]`;
}

function describeOp(node: Tensor): string {
  if (node.op === 'leaf') return node.requiresGrad ? 'leaf (requires grad)' : 'constant';
  return node.opDetail ? `${node.op} ${node.opDetail}` : node.op;
}

/**
 * One line per node: its name, op, the nodes it reads, shape, value and
 * gradient. Call after backward() to see the gradients.
 */
export function trace(root: Tensor): string {
  const nodes = nodesOf('trace', root);
  const width = nodes.reduce((w, n) => Math.max(w, n.label().length), 0);
  return nodes.map((node) => {
    const from = node.inputs.length ? ` ← ${node.inputs.map((i) => i.label()).join(', ')}` : '';
    return `${node.label().padEnd(width)}  ${describeOp(node)}${from}  shape [${node.shape.join(', ')}]  value ${formatValues(node)}  grad ${formatValues(node.grad)}`;
  }).join('\n');
}

/** Escapes a line for a quoted DOT label. */
const escapeLabel = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The graph in Graphviz DOT: each node labelled with its op, shape, value and gradient; edges input → op. */
export function toDot(root: Tensor): string {
  const nodes = nodesOf('toDot', root);
  const lines = ['digraph wasmgrad {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const node of nodes) {
    const label = [node.label(), `${describeOp(node)}  [${node.shape.join('×')}]`, `value ${formatValues(node, 4)}`, `grad ${formatValues(node.grad, 4)}`]
      .map(escapeLabel).join('\\n');
    lines.push(`  n${node.id} [label="${label}"${node.op === 'leaf' ? ', style=rounded' : ''}];`);
  }
  for (const node of nodes) for (const input of node.inputs) lines.push(`  n${input.id} -> n${node.id};`);
  lines.push('}');
  return lines.join('\n');
}
