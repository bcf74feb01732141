/**
 * ONNX import: the activations found after a dense layer, single ops and
 * the multi-node patterns exporters write. SiLU as `x·Sigmoid(x)`; GELU as
 * opset 20's `Gelu` or the `Erf` subgraph x·0.5·(1 + erf(x/√2)) with its
 * products in any order: PyTorch's Div(x, √2) → Erf → Add(1) → Mul(x) →
 * Mul(0.5) (toOnnx writes the same), 0.5·x first (Mul(x, 0.5), then times
 * 1 + erf), or the 0.5 on the erf branch; x/√2 also as Mul(x, 1/√2), and
 * either operand order of Add and Mul.
 */
import { ACTIVATION_TABLE, LEAKY_SLOPE, type Activation } from '../../backend/kinds.js';
import { floatAttribute, intAttribute, near, requireAttribute, type ChainReader } from './chain.js';
import type { OnnxNode } from './model.js';

/** Single-op activations by ONNX op type: the registry's `onnx` column (Gelu included; SiLU is a pattern). */
export const SINGLE_OPS: ReadonlyMap<string, Activation> = new Map(
  ACTIVATION_TABLE.flatMap((a): [string, Activation][] => (a.onnx !== null && /^[A-Z][A-Za-z]*$/.test(a.onnx) ? [[a.onnx, a.name]] : [])));

/** The opset that introduced `Gelu`. */
const GELU_OPSET = 20;

/** An activation found on the chain: its name, its nodes (the first names it in errors) and the tensor it writes. */
export interface FoundActivation {
  activation: Activation;
  nodes: OnnxNode[];
  out: string;
}

/** A two-input node's input other than `name`, if `name` is exactly one of its two inputs. */
function otherInput(node: OnnxNode, name: string): string | undefined {
  if (node.inputs.length !== 2 || node.inputs[0] === node.inputs[1]) return undefined;
  return node.inputs[0] === name ? node.inputs[1] : node.inputs[1] === name ? node.inputs[0] : undefined;
}

/** A single-op activation, its attributes checked against what wasmgrad computes. */
function readSingle(r: ChainReader, node: OnnxNode): FoundActivation | null {
  const activation = SINGLE_OPS.get(node.opType);
  if (activation === undefined) return null;
  if (node.inputs.length !== 1) throw r.unsupported(node, `has ${node.inputs.length} inputs, expected 1`);
  if (activation === 'leakyRelu') requireAttribute(r, node, 'alpha', floatAttribute(r, node, 'alpha', LEAKY_SLOPE), LEAKY_SLOPE, 'wasmgrad\'s leakyRelu slope');
  if (activation === 'elu') requireAttribute(r, node, 'alpha', floatAttribute(r, node, 'alpha', 1), 1, 'wasmgrad\'s elu');
  if (activation === 'gelu') {
    // Before opset 20 there is no Gelu in ai.onnx: ONNX Runtime refuses such a file, so must we.
    if (r.opset < GELU_OPSET) throw r.unsupported(node, `needs opset ${GELU_OPSET} or newer, but the model imports opset ${r.opset} of the default (ai.onnx) domain`);
    requireAttribute(r, node, 'approximate', node.attributes.get('approximate')?.s ?? 'none', 'none', 'wasmgrad\'s gelu is exact');
  }
  if (activation === 'softmax') {
    const axis = intAttribute(r, node, 'axis', -1);
    if (axis !== -1 && axis !== 1) requireAttribute(r, node, 'axis', axis, -1, 'softmax over each row');
  }
  return { activation, nodes: [node], out: node.outputs[0] };
}

/** SiLU: Sigmoid(a), and Mul of a by that (either order). */
function readSilu(r: ChainReader, a: string, users: OnnxNode[]): FoundActivation | null {
  const sigmoid = users.find((n) => n.opType === 'Sigmoid');
  const mul = users.find((n) => n.opType === 'Mul');
  if (sigmoid && mul && sigmoid.inputs.length === 1 && r.only(sigmoid.outputs[0], sigmoid) === mul
    && otherInput(mul, a) === sigmoid.outputs[0]) {
    return { activation: 'silu', nodes: [sigmoid, mul], out: mul.outputs[0] };
  }
  return null;
}

/** GELU as the Erf subgraph, in the orders of the module comment; null if no node of `users` scales `a` by 1/√2. */
function readGelu(r: ChainReader, a: string, users: OnnxNode[]): FoundActivation | null {
  const scale = users.find((n) => (n.opType === 'Div' && n.inputs.length === 2 && n.inputs[0] === a && near(r.scalar(n.inputs[1]), Math.SQRT2))
    || (n.opType === 'Mul' && near(r.scalar(otherInput(n, a)), Math.SQRT1_2)));
  if (!scale) return null;
  const partner = users.find((n) => n !== scale)!;
  const notGelu = () => r.unsupported(scale, 'starts two branches that are not the GELU pattern x·0.5·(1 + Erf(x/√2)) (its products in any order)');
  /** The only reader of `from`'s output: a two-input node of `op` whose other operand is the scalar `value` (if given). */
  const next = (from: OnnxNode, op: string, value?: number): OnnxNode => {
    const node = r.only(from.outputs[0], from);
    if (node.opType !== op) throw notGelu();
    if (value !== undefined && !near(r.scalar(otherInput(node, from.outputs[0])), value)) throw notGelu();
    return node;
  };
  const erf = next(scale, 'Erf');
  if (erf.inputs.length !== 1) throw notGelu();
  const add = next(erf, 'Add', 1);
  const nodes = [scale, erf, add];
  let tail = add; // the erf branch's last node
  let halved = false;
  let merge = r.only(add.outputs[0], add);
  if (merge.opType === 'Mul' && near(r.scalar(otherInput(merge, add.outputs[0])), 0.5)) {
    // 0.5·(1 + erf) first, then times x.
    halved = true;
    nodes.push(merge);
    tail = merge;
    merge = r.only(merge.outputs[0], merge);
  }
  const x = merge.opType === 'Mul' ? otherInput(merge, tail.outputs[0]) : undefined;
  if (x === a) {
    if (partner !== merge) throw notGelu();
  } else {
    // 0.5·x first: the second reader of a is Mul(a, 0.5), read by the merge only.
    if (halved || x === undefined || partner.opType !== 'Mul' || partner.outputs[0] !== x || !near(r.scalar(otherInput(partner, a)), 0.5)
      || r.only(x, partner) !== merge) throw notGelu();
    halved = true;
    nodes.push(partner);
  }
  nodes.push(merge);
  const last = halved ? merge : next(merge, 'Mul', 0.5);
  if (!halved) nodes.push(last);
  return { activation: 'gelu', nodes, out: last.outputs[0] };
}

/**
 * The activation applied to `a` (read by `users`), if the nodes there are
 * one: its name, the nodes, and the tensor it writes. Null when the next
 * node starts something else.
 */
export function readActivation(r: ChainReader, a: string, users: OnnxNode[]): FoundActivation | null {
  if (users.length === 1) return readSingle(r, users[0]);
  if (users.length !== 2) return null;
  return readSilu(r, a, users) ?? readGelu(r, a, users);
}
