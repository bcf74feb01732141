/**
 * ONNX import: the multi-layer perceptrons exporters write, read into a
 * Network. The graph must be one chain from one input to one output of
 * dense layers, each `Gemm` (weights [in, out], or [out, in] with transB = 1
 * as PyTorch writes nn.Linear) or `MatMul` (+ `Add` of the bias), then an
 * activation wasmgrad computes exactly: the registry's ONNX ops, SiLU as
 * `x * Sigmoid(x)`, GELU as `Gelu` (opset 20) or the `Erf` subgraph. Identity
 * and Flatten (of a 2-D tensor, axis 1) do nothing and are skipped.
 *
 * Errors: anything else (another op, a branch, an attribute wasmgrad does
 * not compute, non-float32 weights, an input that is not 2-D) is
 * WASMGRAD_UNSUPPORTED naming the node and its op; malformed bytes or
 * inconsistent shapes are WASMGRAD_BAD_MODEL_FILE. The whole graph and every
 * weight are checked before the network's memory is taken.
 */
import { BACKEND_NAMES, type BackendName } from '../../backend/backend.js';
import { ACTIVATION_TABLE, LEAKY_SLOPE, LOSSES, activationInfo, type Activation, type Loss } from '../../backend/kinds.js';
import { badModelError, codedError, isWasmgradError, unsupportedError, type WasmgradError } from '../../errors.js';
import { platform } from '../../platform/platform.js';
import { dense } from '../layers.js';
import { Network } from '../network.js';
import { checkOptimizer, type Optimizer } from '../optimizers.js';
import { checkConfig } from '../sequential.js';
import { argumentError, oneOf, plainObject, rejectUnknownKeys } from '../validate.js';
import { decodeModel, FLOAT, tensorValues, type OnnxGraph, type OnnxNode, type OnnxTensor } from './model.js';

/** Options of {@link fromOnnx} and {@link loadOnnx}: what an ONNX file does not carry. */
export interface FromOnnxOptions {
  /** Backend for the network. Default: the runtime's ('wasm', or 'js' under `init({ backend: 'js' })`). */
  backend?: BackendName;
  /** Loss for further training. Default 'l2'. */
  loss?: Loss;
  /** Optimizer for further training. Default `sgd()`. */
  optimizer?: Optimizer;
}

const OPTION_KEYS = ['backend', 'loss', 'optimizer'];
/** Single-op activations by ONNX op type: the registry's `onnx` column (Gelu included; SiLU is a pattern). */
const SINGLE_OPS: ReadonlyMap<string, Activation> = new Map(
  ACTIVATION_TABLE.flatMap((a): [string, Activation][] => (a.onnx !== null && /^[A-Z][A-Za-z]*$/.test(a.onnx) ? [[a.onnx, a.name]] : [])));
const NO_OPS = new Set(['Identity', 'Flatten']);
const SUPPORTED = `Gemm, MatMul (+ Add), ${[...SINGLE_OPS.keys()].join(', ')}, SiLU (Sigmoid + Mul), the GELU Erf subgraph, Identity and Flatten`;

/** The options, checked (unknown keys refused). */
function checkOptions(where: string, options: unknown): { backend?: BackendName; loss: Loss; optimizer?: Optimizer } {
  const opts = plainObject(where, 'options', options);
  rejectUnknownKeys(where, 'options', opts, OPTION_KEYS);
  return {
    backend: opts.backend === undefined ? undefined : oneOf(where, 'options.backend', opts.backend, BACKEND_NAMES),
    loss: oneOf(where, 'options.loss', opts.loss ?? 'l2', LOSSES),
    optimizer: opts.optimizer === undefined ? undefined : checkOptimizer(where, 'options.optimizer', opts.optimizer),
  };
}

/** One dense layer found in the graph: its weight tensors (read once the whole graph is accepted). */
interface FoundLayer {
  node: OnnxNode;
  weight: OnnxTensor;
  /** Whether the weight tensor is [out, in] (Gemm transB = 1) and must be transposed. */
  transposed: boolean;
  bias: OnnxTensor | null;
  inSize: number;
  units: number;
  activation: Activation;
  /** The node that applied the activation (for errors). */
  activationNode: OnnxNode | null;
}

const describeNode = (node: OnnxNode) => `node ${node.label} (${node.opType})`;

/** Walks the graph's chain; `where` prefixes errors. */
class ChainReader {
  readonly #users = new Map<string, OnnxNode[]>();
  readonly #constants: Map<string, OnnxTensor>;
  readonly #visited = new Set<OnnxNode>();

  constructor(readonly where: string, readonly graph: OnnxGraph) {
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
    if (tensor === null && single?.f != null) tensor = { name: node.outputs[0], dims: [], dataType: FLOAT, raw: null, floats: [single.f], external: false, path: node.label };
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
  scalar(name: string): number | null {
    const t = this.#constants.get(name);
    if (!t || t.dataType !== FLOAT || t.dims.some((d) => d !== 1) || (t.raw ?? t.floats).length !== (t.raw ? 4 : 1)) return null;
    return tensorValues(this.where, t, name)[0];
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

/** An attribute that must be absent or an integer/float/string; `fallback` when absent. */
function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  return node.attributes.get(name)?.i ?? fallback;
}
function floatAttribute(node: OnnxNode, name: string, fallback: number): number {
  return node.attributes.get(name)?.f ?? fallback;
}

/** Refuses an attribute whose value wasmgrad does not compute, naming it. */
function requireAttribute(r: ChainReader, node: OnnxNode, name: string, actual: number | string, expected: number | string, why: string): void {
  const same = typeof expected === 'number' ? Math.fround(actual as number) === Math.fround(expected) : actual === expected;
  if (!same) throw r.unsupported(node, `has attribute ${name} = ${JSON.stringify(actual)}; wasmgrad supports only ${name} = ${JSON.stringify(expected)} (${why})`);
}

/** A node's first input must be the chain's tensor (`x`): the weights as A, or x as B, is another computation. */
function requireChainInput(r: ChainReader, node: OnnxNode, x: string): void {
  if (node.inputs[0] !== x) throw r.unsupported(node, `reads "${x}" as input ${node.inputs.indexOf(x)}, not as its first input (A)`);
}

/** Whether `value` is `expected` to float32 precision (how exporters store √2, 1 and 0.5). */
const near = (value: number | null, expected: number) => value !== null && Math.abs(value - expected) <= 1e-6 * Math.abs(expected);

/** A dense layer starting at `node` (Gemm or MatMul reading `x`): the layer and the tensor it writes. */
function readDense(r: ChainReader, node: OnnxNode, x: string, inSize: number | null): { layer: FoundLayer; out: string } {
  requireChainInput(r, node, x);
  const weight = r.constant(node, node.inputs[1], 'weights (input B)');
  let transposed = false;
  let bias: OnnxTensor | null = null;
  let out = node.outputs[0];
  if (node.opType === 'Gemm') {
    requireAttribute(r, node, 'transA', intAttribute(node, 'transA', 0), 0, 'the chain is the rows');
    requireAttribute(r, node, 'alpha', floatAttribute(node, 'alpha', 1), 1, 'a = x·W + b');
    requireAttribute(r, node, 'beta', floatAttribute(node, 'beta', 1), 1, 'a = x·W + b');
    transposed = intAttribute(node, 'transB', 0) === 1;
    if (node.inputs.length > 2 && node.inputs[2] !== '') bias = r.constant(node, node.inputs[2], 'bias (input C)');
    r.visit(node);
  } else {
    if (node.inputs.length !== 2) throw r.unsupported(node, `has ${node.inputs.length} inputs, expected 2`);
    r.visit(node);
    // The bias, if any, is an Add of a constant right after: MatMul + Add, as the newer exporter writes nn.Linear.
    const next = r.users(out);
    if (next.length === 1 && next[0].opType === 'Add' && next[0].inputs.length === 2) {
      const other = next[0].inputs.find((name) => name !== out);
      if (other !== undefined && r.isConstant(other)) {
        bias = r.constant(next[0], other, 'bias');
        out = next[0].outputs[0];
        r.visit(next[0]);
      }
    }
  }
  if (weight.dims.length !== 2) throw r.unsupported(node, `has weights "${weight.name}" of dims [${weight.dims}]; expected a 2-D matrix`);
  const [rows, cols] = weight.dims;
  const [wIn, units] = transposed ? [cols, rows] : [rows, cols];
  if (inSize !== null && wIn !== inSize) {
    throw badModelError(`${r.where}: ${describeNode(node)} has weights "${weight.name}" of dims [${weight.dims}] for ${inSize} inputs`);
  }
  if (wIn === 0 || units === 0) throw badModelError(`${r.where}: ${describeNode(node)} has weights "${weight.name}" of dims [${weight.dims}]: no units`);
  if (bias && !(bias.dims.length === 1 && bias.dims[0] === units) && !(bias.dims.length === 2 && bias.dims[0] === 1 && bias.dims[1] === units)) {
    throw r.unsupported(node, `has a bias "${bias.name}" of dims [${bias.dims}]; expected [${units}] or [1, ${units}]`);
  }
  return { layer: { node, weight, transposed, bias, inSize: wIn, units, activation: 'linear', activationNode: null }, out };
}

/**
 * The activation applied to `a` (read by `users`), if the nodes there are
 * one: its name, the nodes, and the tensor it writes. Null when the next
 * node starts something else.
 */
function readActivation(r: ChainReader, a: string, users: OnnxNode[]): { activation: Activation; nodes: OnnxNode[]; out: string } | null {
  if (users.length === 1) {
    const [node] = users;
    const activation = SINGLE_OPS.get(node.opType);
    if (activation === undefined) return null;
    if (node.inputs.length !== 1) throw r.unsupported(node, `has ${node.inputs.length} inputs, expected 1`);
    if (activation === 'leakyRelu') requireAttribute(r, node, 'alpha', floatAttribute(node, 'alpha', LEAKY_SLOPE), LEAKY_SLOPE, 'wasmgrad\'s leakyRelu slope');
    if (activation === 'elu') requireAttribute(r, node, 'alpha', floatAttribute(node, 'alpha', 1), 1, 'wasmgrad\'s elu');
    if (activation === 'gelu') requireAttribute(r, node, 'approximate', node.attributes.get('approximate')?.s ?? 'none', 'none', 'wasmgrad\'s gelu is exact');
    if (activation === 'softmax') {
      const axis = intAttribute(node, 'axis', -1);
      if (axis !== -1 && axis !== 1) requireAttribute(r, node, 'axis', axis, -1, 'softmax over each row');
    }
    return { activation, nodes: [node], out: node.outputs[0] };
  }
  if (users.length !== 2) return null;
  // SiLU: Sigmoid(a) and Mul(a, that).
  const sigmoid = users.find((n) => n.opType === 'Sigmoid');
  const mul = users.find((n) => n.opType === 'Mul');
  if (sigmoid && mul && sigmoid.inputs.length === 1 && r.only(sigmoid.outputs[0], sigmoid) === mul
    && mul.inputs.length === 2 && mul.inputs.includes(a) && mul.inputs.includes(sigmoid.outputs[0])) {
    return { activation: 'silu', nodes: [sigmoid, mul], out: mul.outputs[0] };
  }
  // GELU: Div(a, √2) (or Mul by 1/√2) → Erf → Add 1 → Mul by a → Mul by 0.5, as PyTorch writes it before opset 20.
  const scale = users.find((n) => n.inputs.length === 2 && n.inputs[0] === a
    && ((n.opType === 'Div' && near(r.scalar(n.inputs[1]), Math.SQRT2)) || (n.opType === 'Mul' && near(r.scalar(n.inputs[1]), Math.SQRT1_2))));
  if (!scale) return null;
  const notGelu = () => r.unsupported(scale, 'starts two branches that are not the GELU pattern Div(x, √2) → Erf → Add(1) → Mul(x) → Mul(0.5)');
  // Each step: the only reader of the previous step's output, of the expected op; `other` is its second operand.
  const step = (from: OnnxNode, op: string): { node: OnnxNode; other: string | undefined } => {
    const node = r.only(from.outputs[0], from);
    if (node.opType !== op || node.inputs.length !== (op === 'Erf' ? 1 : 2)) throw notGelu();
    return { node, other: node.inputs.find((name) => name !== from.outputs[0]) };
  };
  const erf = step(scale, 'Erf').node;
  const add = step(erf, 'Add');
  if (add.other === undefined || !near(r.scalar(add.other), 1)) throw notGelu();
  const times = step(add.node, 'Mul');
  if (times.other !== a || !users.includes(times.node)) throw notGelu();
  const half = step(times.node, 'Mul');
  if (half.other === undefined || !near(r.scalar(half.other), 0.5)) throw notGelu();
  return { activation: 'gelu', nodes: [scale, erf, add.node, times.node, half.node], out: half.node.outputs[0] };
}

/** Finds the chain's layers; throws on anything that is not one. */
function readChain(where: string, graph: OnnxGraph): { inputSize: number; layers: FoundLayer[] } {
  if (graph.sparseInitializers > 0) throw unsupportedError(`${where}: the graph has sparse initializers, which wasmgrad does not read`);
  const r = new ChainReader(where, graph);
  const inputs = graph.inputs.filter((v) => !graph.initializers.has(v.name)); // IR < 4 lists initializers as inputs too
  if (inputs.length !== 1 || graph.outputs.length !== 1) {
    throw unsupportedError(`${where}: the graph has ${inputs.length} inputs and ${graph.outputs.length} outputs; wasmgrad imports a chain from one input to one output`);
  }
  const [input] = inputs;
  if (input.elemType !== null && input.elemType !== FLOAT) throw unsupportedError(`${where}: graph input "${input.name}" has elem_type ${input.elemType}; expected float32 (1)`);
  if (input.dims !== null && input.dims.length !== 2) throw unsupportedError(`${where}: graph input "${input.name}" has ${input.dims.length} dimensions; wasmgrad imports 2-D [batch, features] inputs`);
  let width = input.dims?.[1] ?? null; // the chain's width so far (null: the first weights say)
  const layers: FoundLayer[] = [];
  let x = input.name;
  let pending: FoundLayer | null = null; // a dense layer whose activation is not yet seen
  for (;;) {
    const users = r.users(x);
    if (users.length === 0) break;
    const node = users[0];
    if (users.length === 1 && NO_OPS.has(node.opType)) {
      if (node.opType === 'Flatten' && ![1, -1].includes(intAttribute(node, 'axis', 1))) requireAttribute(r, node, 'axis', intAttribute(node, 'axis', 1), 1, 'a 2-D tensor stays as it is');
      r.visit(node);
      x = node.outputs[0];
      continue;
    }
    if (users.length === 1 && (node.opType === 'Gemm' || node.opType === 'MatMul')) {
      if (pending) layers.push(pending); // no activation between two dense layers: linear
      const found = readDense(r, node, x, width);
      pending = found.layer;
      width = found.layer.units;
      x = found.out;
      continue;
    }
    const activation = pending ? readActivation(r, x, users) : null;
    if (!activation) {
      if (users.length > 1) throw unsupportedError(`${where}: "${x}" is read by ${users.length} nodes (${users.map(describeNode).join(', ')}): wasmgrad imports a single chain, no branches`);
      const what = SINGLE_OPS.has(node.opType) ? 'follows no Gemm or MatMul (or follows another activation)' : `is not supported: wasmgrad imports ${SUPPORTED}`;
      throw r.unsupported(node, what);
    }
    r.visit(...activation.nodes);
    layers.push({ ...pending!, activation: activation.activation, activationNode: activation.nodes[0] });
    pending = null;
    x = activation.out;
  }
  if (pending) layers.push(pending);
  const stray = r.stray();
  if (stray) throw r.unsupported(stray, `is not on the chain from "${input.name}" to "${graph.outputs[0].name}"`);
  if (x !== graph.outputs[0].name) throw unsupportedError(`${where}: the chain from "${input.name}" ends at "${x}", not at the graph output "${graph.outputs[0].name}"`);
  if (layers.length === 0) throw unsupportedError(`${where}: the graph has no Gemm or MatMul: no dense layer to import`);
  layers.slice(0, -1).forEach((l) => {
    if (activationInfo(l.activation).lastLayerOnly) throw r.unsupported(l.activationNode!, 'is supported only on the last layer');
  });
  return { inputSize: layers[0].inSize, layers };
}

/** A layer's [W (in×out, row-major), b], read from the tensors and checked. */
function readParameters(where: string, layer: FoundLayer): readonly [Float32Array, Float32Array] {
  const owner = describeNode(layer.node);
  const raw = tensorValues(where, layer.weight, owner);
  let w = raw;
  if (layer.transposed) {
    w = new Float32Array(raw.length);
    for (let o = 0; o < layer.units; o++) for (let i = 0; i < layer.inSize; i++) w[i * layer.units + o] = raw[o * layer.inSize + i];
  }
  const b = layer.bias ? tensorValues(where, layer.bias, owner) : new Float32Array(layer.units);
  return [w, b];
}

/** Bytes as a Uint8Array view (no copy). */
function byteView(where: string, bytes: unknown): Uint8Array {
  try {
    if (bytes instanceof Uint8Array) return bytes;
    if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
    if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch {
    // A detached buffer cannot be viewed.
  }
  throw argumentError(where, 'bytes', 'a Uint8Array, ArrayBuffer or typed array holding an ONNX model (not detached)', bytes);
}

function build(where: string, bytes: unknown, options: unknown): Network {
  const { backend, loss, optimizer } = checkOptions(where, options);
  const { graph } = decodeModel(where, byteView(where, bytes));
  const { inputSize, layers } = readChain(where, graph);
  const parameters = layers.map((l) => readParameters(where, l));
  const config = checkConfig(where, {
    inputSize, loss, optimizer, ...(backend === undefined ? {} : { backend }), layers: layers.map((l) => dense(l.units, { activation: l.activation })),
  });
  return new Network(config, parameters);
}

/**
 * A Network from ONNX bytes (a serialised ModelProto): an MLP as PyTorch,
 * other exporters and `toOnnx` write it (see the module comment for what is
 * accepted). `options` sets what ONNX does not carry: the loss and optimizer
 * for further training (default 'l2' and `sgd()`), and the backend. The
 * graph and every weight are checked first; on any error nothing is built.
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer | ArrayBufferView, options: FromOnnxOptions = {}): Network {
  return build('fromOnnx', bytes, options);
}

/**
 * Reads an ONNX file and imports it as {@link fromOnnx} does; errors name
 * the file. Node only (WASMGRAD_UNSUPPORTED in a browser: use fromOnnx on
 * the bytes of a fetch or a File).
 */
export async function loadOnnx(path: string, options: FromOnnxOptions = {}): Promise<Network> {
  if (typeof path !== 'string' || path === '') throw argumentError('loadOnnx', 'path', 'a file path', path);
  checkOptions('loadOnnx', options);
  const { files } = platform();
  if (!files) throw unsupportedError('loadOnnx reads a file, which needs Node; in a browser use fromOnnx() on the bytes');
  let bytes: Uint8Array;
  try {
    bytes = await files.fs.promises.readFile(path);
  } catch (cause) {
    throw codedError('WASMGRAD_IO', `loadOnnx: cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, 'Error', { cause });
  }
  try {
    return build('loadOnnx', bytes, options);
  } catch (error) {
    if (isWasmgradError(error, 'WASMGRAD_BAD_MODEL_FILE') || isWasmgradError(error, 'WASMGRAD_UNSUPPORTED')) error.message = `${error.message} (in ${path})`;
    throw error;
  }
}
