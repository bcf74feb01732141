/**
 * ONNX import: the multi-layer perceptrons exporters write, read into a
 * Network. The graph must be one chain from one input to one output of
 * dense layers, each `Gemm` (weights [in, out], or [out, in] with transB = 1
 * as PyTorch writes nn.Linear; alpha and beta folded into the weights) or
 * `MatMul` (+ `Add` of the bias), then an activation wasmgrad computes
 * exactly (./patterns.ts: the registry's ONNX ops, SiLU as `x * Sigmoid(x)`,
 * GELU as `Gelu` (opset 20) or the `Erf` subgraph). Add/Sub/Mul/Div by
 * constants next to a dense layer (toOnnx's standardize and destandardize)
 * fold into it (./fold.ts). Identity and Flatten (of a 2-D tensor, axis 1)
 * do nothing and are skipped.
 *
 * Errors: anything else (another op, a branch, an attribute wasmgrad does
 * not compute, non-float32 weights, an input that is not 2-D) is
 * WASMGRAD_UNSUPPORTED naming the node and its op; malformed bytes or
 * inconsistent shapes are WASMGRAD_BAD_MODEL_FILE. The whole graph and every
 * weight are checked before the network's memory is taken.
 */
import { activationInfo, type Activation } from '../../backend/kinds.js';
import { badModelError, isWasmgradError, unsupportedError } from '../../errors.js';
import { platform } from '../../platform/platform.js';
import { readWhole } from '../files.js';
import { dense } from '../layers.js';
import { checkImportOptions, type ImportOptions } from '../import-options.js';
import { Network } from '../network.js';
import { checkConfig } from '../sequential.js';
import { argumentError, byteView } from '../validate.js';
import { ChainReader, describeNode, floatAttribute, intAttribute, requireAttribute, requireChainInput } from './chain.js';
import { foldLayer, foldsAnything, readAffineStep, type AffineStep } from './fold.js';
import { decodeModel, FLOAT, tensorValues, type OnnxGraph, type OnnxNode, type OnnxTensor } from './model.js';
import { readActivation, SINGLE_OPS } from './patterns.js';

/** Options of {@link fromOnnx} and {@link loadOnnx}: what an ONNX file does not carry. */
export type FromOnnxOptions = ImportOptions;

const NO_OPS = new Set(['Identity', 'Flatten']);
const SUPPORTED = `Gemm, MatMul (+ Add), ${[...SINGLE_OPS.keys()].join(', ')}, SiLU (Sigmoid + Mul), the GELU Erf subgraph, `
  + 'Add/Sub/Mul/Div by constants next to a dense layer (folded into it), Identity and Flatten';

/** One dense layer found in the graph: its weight tensors (read once the whole graph is accepted) and what folds into it. */
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
  /** Gemm's alpha and beta (1 for MatMul). */
  alpha: number;
  beta: number;
  /** Elementwise steps on the layer's inputs and (before its activation) on its outputs. */
  before: AffineStep[];
  after: AffineStep[];
}

/** A dense layer starting at `node` (Gemm or MatMul reading `x`): the layer and the tensor it writes. */
function readDense(r: ChainReader, node: OnnxNode, x: string, inSize: number | null): { layer: FoundLayer; out: string } {
  requireChainInput(r, node, x);
  const weight = r.constant(node, node.inputs[1], 'weights (input B)');
  let transposed = false;
  let bias: OnnxTensor | null = null;
  let out = node.outputs[0];
  let alpha = 1, beta = 1;
  if (node.opType === 'Gemm') {
    requireAttribute(r, node, 'transA', intAttribute(r, node, 'transA', 0), 0, 'the chain is the rows');
    // alpha·x·W + beta·C folds into the weights and bias (foldLayer).
    alpha = floatAttribute(r, node, 'alpha', 1);
    beta = floatAttribute(r, node, 'beta', 1);
    transposed = intAttribute(r, node, 'transB', 0) === 1;
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
  const layer: FoundLayer = { node, weight, transposed, bias, inSize: wIn, units, activation: 'linear', activationNode: null, alpha, beta, before: [], after: [] };
  return { layer, out };
}

/** Finds the chain's layers; throws on anything that is not one. */
function readChain(where: string, graph: OnnxGraph, opset: number): { inputSize: number; layers: FoundLayer[] } {
  if (graph.sparseInitializers > 0) throw unsupportedError(`${where}: the graph has sparse initializers, which wasmgrad does not read`);
  const r = new ChainReader(where, graph, opset);
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
  let before: AffineStep[] = []; // elementwise steps waiting for the next dense layer's inputs
  for (;;) {
    const users = r.users(x);
    if (users.length === 0) break;
    const node = users[0];
    if (users.length === 1 && NO_OPS.has(node.opType)) {
      const axis = node.opType === 'Flatten' ? intAttribute(r, node, 'axis', 1) : 1;
      if (axis !== -1) requireAttribute(r, node, 'axis', axis, 1, 'a 2-D tensor stays as it is'); // -1 is axis 1 of a 2-D tensor
      r.visit(node);
      x = node.outputs[0];
      continue;
    }
    if (users.length === 1 && (node.opType === 'Gemm' || node.opType === 'MatMul')) {
      if (pending) layers.push(pending); // no activation between two dense layers: linear
      const found = readDense(r, node, x, width);
      pending = found.layer;
      pending.before = before;
      before = [];
      width = found.layer.units;
      x = found.out;
      continue;
    }
    // Add/Sub/Mul/Div by a constant: on a layer's outputs before its activation, or on the next layer's inputs.
    const step = users.length === 1 ? readAffineStep(r, x, node) : null;
    if (step) {
      r.visit(node);
      (pending ? pending.after : before).push(step);
      x = node.outputs[0];
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
  if (before.length > 0 && layers.length > 0) {
    throw r.unsupported(before[0].node, `follows the last layer's activation (${layers.at(-1)!.activation}); wasmgrad folds Add/Sub/Mul/Div by constants into `
      + 'a dense layer: on its inputs, or on its outputs before an activation (after a linear last layer)');
  }
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
  const fold = { node: layer.node, alpha: layer.alpha, beta: layer.beta, before: layer.before, after: layer.after };
  return foldsAnything(fold) ? foldLayer(where, fold, w, b) : [w, b];
}

function build(where: string, bytes: unknown, options: unknown): Network {
  const { backend, loss, optimizer } = checkImportOptions(where, options);
  const { graph, opsets } = decodeModel(where, byteView(where, 'bytes', bytes, 'an ONNX model'));
  const { inputSize, layers } = readChain(where, graph, opsets.get('') ?? opsets.get('ai.onnx') ?? 0);
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
  checkImportOptions('loadOnnx', options);
  if (!platform().files) throw unsupportedError('loadOnnx reads a file, which needs Node; in a browser use fromOnnx() on the bytes');
  const bytes = await readWhole('loadOnnx', path); // WASMGRAD_IO naming the path, as load's
  try {
    return build('loadOnnx', bytes, options);
  } catch (error) {
    if (isWasmgradError(error, 'WASMGRAD_BAD_MODEL_FILE') || isWasmgradError(error, 'WASMGRAD_UNSUPPORTED')) error.message = `${error.message} (in ${path})`;
    throw error;
  }
}
