/**
 * The graph walk behind ONNX import: who reads each tensor, the constants
 * (initializers and Constant nodes), which nodes the walk has reached, and
 * the attribute checks every pattern shares. ./import.ts walks the chain,
 * ./patterns.ts recognises the multi-node patterns on it.
 */
import { unsupportedError, type WasmgradError } from '../../errors.js';
import { FLOAT, tensorValues, type OnnxGraph, type OnnxNode, type OnnxTensor } from './model.js';

export const describeNode = (node: OnnxNode) => `node ${node.label} (${node.opType})`;

/** Walks the graph's chain; `where` prefixes errors, `opset` is the model's default (ai.onnx) operator set. */
export class ChainReader {
  readonly #users = new Map<string, OnnxNode[]>();
  readonly #constants: Map<string, OnnxTensor>;
  readonly #visited = new Set<OnnxNode>();

  constructor(readonly where: string, readonly graph: OnnxGraph, readonly opset: number) {
    this.#constants = new Map(graph.initializers);
    for (const node of graph.nodes) {
      if (node.domain !== '' && node.domain !== 'ai.onnx') throw this.unsupported(node, `is from the operator domain "${node.domain}"`);
      if (node.opType === 'Constant') {
        this.#constant(node);
        continue;
      }
      if (node.outputs.length !== 1) throw this.unsupported(node, `has ${node.outputs.length} outputs; wasmgrad imports nodes of one output`);
      for (const name of new Set(node.inputs)) {
        if (name === '' || this.#constants.has(name)) continue;
        const list = this.#users.get(name) ?? [];
        list.push(node);
        this.#users.set(name, list);
      }
    }
  }

  /** A Constant node's tensor (value, or value_float), kept as an initializer would be. */
  #constant(node: OnnxNode): void {
    const value = node.attributes.get('value');
    const single = node.attributes.get('value_float');
    let tensor: OnnxTensor | null = value?.t ?? null;
    if (tensor === null && single?.f != null) tensor = { name: node.outputs[0], dims: [], dataType: FLOAT, raw: null, floats: Float32Array.of(single.f), external: false, path: node.label };
    if (tensor === null || node.outputs.length !== 1) throw this.unsupported(node, 'holds no float tensor (value or value_float)');
    this.#constants.set(node.outputs[0], { ...tensor, name: node.outputs[0] });
    this.#visited.add(node);
  }

  unsupported(node: OnnxNode, what: string): WasmgradError {
    return unsupportedError(`${this.where}: ${describeNode(node)} ${what}`);
  }

  /** The nodes reading tensor `name` (not counting the constants). */
  users(name: string): OnnxNode[] {
    return this.#users.get(name) ?? [];
  }

  /** The only node reading `name`, or an error naming the branch. */
  only(name: string, from: OnnxNode): OnnxNode {
    const users = this.users(name);
    if (users.length !== 1) {
      throw this.unsupported(from, users.length === 0 ? `writes "${name}", which nothing reads before the output`
        : `writes "${name}", which ${users.length} nodes read (${users.map(describeNode).join(', ')}): wasmgrad imports a single chain, no branches`);
    }
    return users[0];
  }

  /** The constant (initializer or Constant node) `name` that `node` reads, or an error. */
  constant(node: OnnxNode, name: string | undefined, role: string): OnnxTensor {
    const tensor = name === undefined ? undefined : this.#constants.get(name);
    if (tensor === undefined) throw this.unsupported(node, `takes its ${role} from "${name ?? ''}", which is not an initializer or a constant`);
    return tensor;
  }

  isConstant(name: string): boolean {
    return this.#constants.has(name);
  }

  /** A scalar constant's value (one value, any number of size-1 dims), or null if `name` is not one. */
  scalar(name: string | undefined): number | null {
    const t = name === undefined ? undefined : this.#constants.get(name);
    if (!t || t.dataType !== FLOAT || t.dims.some((d) => d !== 1) || (t.raw ?? t.floats).length !== (t.raw ? 4 : 1)) return null;
    return tensorValues(this.where, t, name!)[0];
  }

  /** Marks nodes as read; one reached twice means a cycle, which would otherwise be walked forever. */
  visit(...nodes: OnnxNode[]): void {
    for (const n of nodes) {
      if (this.#visited.has(n)) throw this.unsupported(n, 'is reached twice: the graph has a cycle');
      this.#visited.add(n);
    }
  }

  /** The first node the walk did not reach, if any. */
  stray(): OnnxNode | undefined {
    return this.graph.nodes.find((n) => !this.#visited.has(n));
  }
}

/** An integer attribute, or `fallback` when absent. */
export function intAttribute(r: ChainReader, node: OnnxNode, name: string, fallback: number): number {
  return typedAttribute(r, node, name, 'i', 'an integer (INT)') ?? fallback;
}

/** A float attribute, or `fallback` when absent. */
export function floatAttribute(r: ChainReader, node: OnnxNode, name: string, fallback: number): number {
  return typedAttribute(r, node, name, 'f', 'a float (FLOAT)') ?? fallback;
}

/**
 * An attribute's value of the expected kind, or null when the node has no
 * such attribute. One of another kind (transB written as a float, alpha as an
 * integer) is refused: read as absent, it would silently compute another
 * product.
 */
function typedAttribute(r: ChainReader, node: OnnxNode, name: string, field: 'f' | 'i', kind: string): number | null {
  const attribute = node.attributes.get(name);
  if (attribute === undefined) return null;
  const value = attribute[field];
  if (value === null) throw r.unsupported(node, `has attribute ${name} of type ${attribute.type}; ONNX defines it as ${kind}`);
  return value;
}

/** Refuses an attribute whose value wasmgrad does not compute, naming it. */
export function requireAttribute(r: ChainReader, node: OnnxNode, name: string, actual: number | string, expected: number | string, why: string): void {
  const same = typeof expected === 'number' ? Math.fround(actual as number) === Math.fround(expected) : actual === expected;
  if (!same) throw r.unsupported(node, `has attribute ${name} = ${JSON.stringify(actual)}; wasmgrad supports only ${name} = ${JSON.stringify(expected)} (${why})`);
}

/** A node's first input must be the chain's tensor (`x`): the weights as A, or x as B, is another computation. */
export function requireChainInput(r: ChainReader, node: OnnxNode, x: string): void {
  if (node.inputs[0] !== x) throw r.unsupported(node, `reads "${x}" as input ${node.inputs.indexOf(x)}, not as its first input (A)`);
}

/** Whether `value` is `expected` to float32 precision (how exporters store √2, 1 and 0.5). */
export const near = (value: number | null, expected: number) => value !== null && Math.abs(value - expected) <= 1e-6 * Math.abs(expected);
