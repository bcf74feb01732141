/**
 * ONNX export: a network as an ONNX ModelProto (opset 17, IR version 8) that
 * ONNX Runtime and other engines run. Per dense layer one `Gemm` (weights
 * in×out, as getWeights() gives them, so no transposes) and its activation
 * from the registry's `onnx` column; GELU as the `Erf` subgraph (opset 17
 * has no `Gelu`), SiLU as `x * Sigmoid(x)`. The batch dimension is symbolic;
 * the graph's input is `input` and its output `output`. Only inference is
 * exported: dropout does nothing at inference and the optimizer state has no
 * ONNX form.
 */
import { activationInfo, LEAKY_SLOPE, type Activation } from '../../backend/kinds.js';
import { disposedError, unsupportedError } from '../../errors.js';
import { platform } from '../../platform/platform.js';
import { writeFileAtomic } from '../files.js';
import { Network } from '../network.js';
import { networkMemory } from '../network-memory.js';
import { argumentError, plainObject, positiveFloat32, rejectUnknownKeys } from '../validate.js';
import { modelProto, nodeProto, tensorProto, valueInfoProto, type AttributeValue } from './model.js';
import { ProtoWriter } from './protobuf.js';

/** Options of {@link toOnnx} and {@link saveOnnx}. */
export interface ToOnnxOptions {
  /**
   * A standardization of the inputs, (x - mean) / std per column (a
   * `Standardizer`, or its `{ mean, std }`), written as leading `Sub` and
   * `Div` nodes so the graph takes raw inputs: what the CLI's model files do
   * before the network.
   */
  standardize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /**
   * The inverse for the outputs, y·std + mean per output, written as
   * trailing `Mul` and `Add` nodes: for a network trained on standardized
   * targets (the CLI's regression models), so the graph answers in the
   * target's own units.
   */
  destandardize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** The name of the symbolic batch dimension. */
const BATCH = 'batch';

/** The nodes of one activation: `op(name, inputs, outputs, attributes)` appends one node. */
type Emit = (op: string, name: string, inputs: string[], outputs: string[], attributes?: Record<string, AttributeValue>) => void;

/** Constants the subgraphs share (scalars, broadcast by the elementwise ops). */
const CONSTANTS = { sqrt2: Math.SQRT2, one: 1, half: 0.5 } as const;

/**
 * Appends the nodes computing `activation` of `a` into `y`, and says which
 * shared constants they use. Every registry entry needs a case here: the
 * test runs each one through onnxruntime-web.
 */
function activationNodes(activation: Activation, a: string, y: string, l: number, emit: Emit): (keyof typeof CONSTANTS)[] {
  if (activation === 'linear') return []; // the Gemm writes y itself
  const op = activationInfo(activation).onnx;
  if (op === null) throw unsupportedError(`toOnnx: activation "${activation}" has no ONNX form in this version`);
  switch (activation) {
    case 'leakyRelu':
      emit(op, `leaky_relu${l}`, [a], [y], { alpha: { float: LEAKY_SLOPE } });
      return [];
    case 'elu':
      emit(op, `elu${l}`, [a], [y], { alpha: { float: 1 } });
      return [];
    case 'softmax':
      emit(op, `softmax${l}`, [a], [y], { axis: { int: -1 } });
      return [];
    case 'silu':
      // x·σ(x): the pattern exporters write for SiLU before opset 22's Swish-less sets.
      emit('Sigmoid', `silu${l}_sigmoid`, [a], [`silu${l}_s`]);
      emit('Mul', `silu${l}_mul`, [a, `silu${l}_s`], [y]);
      return [];
    case 'gelu':
      // x·Φ(x) = x·(1 + erf(x/√2))·0.5, node for node as PyTorch's exporter writes nn.GELU before opset 20.
      emit('Div', `gelu${l}_div`, [a, 'sqrt2'], [`gelu${l}_scaled`]);
      emit('Erf', `gelu${l}_erf`, [`gelu${l}_scaled`], [`gelu${l}_erf`]);
      emit('Add', `gelu${l}_add`, [`gelu${l}_erf`, 'one'], [`gelu${l}_cdf2`]);
      emit('Mul', `gelu${l}_mul`, [a, `gelu${l}_cdf2`], [`gelu${l}_x_cdf2`]);
      emit('Mul', `gelu${l}_half`, [`gelu${l}_x_cdf2`, 'half'], [y]);
      return ['sqrt2', 'one', 'half'];
    default:
      // The single-op activations: the registry's ONNX name, no attributes needed (Sigmoid, Tanh, Relu, Softplus).
      if (!/^[A-Z][A-Za-z]*$/.test(op)) throw unsupportedError(`toOnnx: activation "${activation}" (ONNX ${op}) has no case here yet`);
      emit(op, `${activation}${l}`, [a], [y]);
      return [];
  }
}

/**
 * The checked standardize or destandardize option: two arrays of `size`
 * numbers (one per input or output) that stay finite as float32, the std a
 * normal float32 (positiveFloat32: ≥ 2^-126, so 1/std is finite too: the file
 * is float32 and fromOnnx folds by the reciprocal). A bad element is named by
 * its index.
 */
function checkScaling(where: string, option: 'standardize' | 'destandardize', size: number, value: unknown): { mean: number[]; std: number[] } | null {
  if (value === undefined) return null;
  // A Standardizer is a class instance, not a plain object: take its fields.
  const s = value !== null && typeof value === 'object' && 'mean' in value && 'std' in value
    ? value as Record<string, unknown> : plainObject(where, `options.${option}`, value);
  const what = option === 'standardize' ? 'input' : 'output';
  const read = (key: 'mean' | 'std'): number[] => {
    const list = s[key];
    const name = `options.${option}.${key}`;
    if (!Array.isArray(list) || list.length !== size) throw argumentError(where, name, `an array of ${size} numbers (one per ${what})`, list);
    // Walked by index: a hole is undefined, refused like any other non-number.
    for (let i = 0; i < list.length; i++) {
      const v: unknown = list[i];
      if (key === 'std') positiveFloat32(where, `${name}[${i}]`, v);
      else if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) throw argumentError(where, `${name}[${i}]`, 'a finite number (as float32)', v);
    }
    return [...(list as number[])];
  };
  return { mean: read('mean'), std: read('std') };
}

/** The ONNX bytes of `net` (see the module comment); `where` prefixes errors. */
function encode(where: string, net: Network, options: ToOnnxOptions): Uint8Array {
  if (!(net instanceof Network)) throw argumentError(where, 'net', 'a Network', net);
  const opts = plainObject(where, 'options', options);
  rejectUnknownKeys(where, 'options', opts, ['standardize', 'destandardize']);
  const standardize = checkScaling(where, 'standardize', net.inputSize, opts.standardize);
  const destandardize = checkScaling(where, 'destandardize', net.outputSize, opts.destandardize);
  if (net.disposed) throw disposedError(`${where}: the network has been disposed`);
  // The weights straight from linear memory, as the model-file writer reads them: getWeights' number[][] of
  // 2M parameters, flattened and written float by float, took ~300 ms; a byte copy per tensor takes a few.
  // The views stay valid: nothing below allocates in the network's memory.
  const { views, block, plan } = networkMemory(net);
  const floats = (offset: number, count: number) => views.f32.subarray((block + offset) >>> 2, ((block + offset) >>> 2) + count);
  const nodes: ProtoWriter[] = [];
  const initializers: ProtoWriter[] = [];
  const emit: Emit = (op, name, inputs, outputs, attributes) => nodes.push(nodeProto(op, name, inputs, outputs, attributes));
  const used = new Set<keyof typeof CONSTANTS>();
  let x = 'input';
  if (standardize) {
    initializers.push(tensorProto('standardize_mean', [net.inputSize], standardize.mean), tensorProto('standardize_std', [net.inputSize], standardize.std));
    emit('Sub', 'standardize_sub', [x, 'standardize_mean'], ['centered']);
    emit('Div', 'standardize_div', ['centered', 'standardize_std'], ['standardized']);
    x = 'standardized';
  }
  let inSize = net.inputSize;
  net.layers.forEach(({ units, activation }, l) => {
    const w = `dense${l}_weight`, b = `dense${l}_bias`;
    const last = l === net.layers.length - 1;
    const y = last && !destandardize ? 'output' : `dense${l}_out`;
    const { weights, bias } = plan.layers[l];
    initializers.push(tensorProto(w, [inSize, units], floats(weights, inSize * units)), tensorProto(b, [units], floats(bias, units)));
    // A linear layer's Gemm writes the output itself; Identity stays only where a name must be kept.
    const a = activation === 'linear' ? y : `dense${l}_pre`;
    emit('Gemm', `dense${l}_gemm`, [x, w, b], [a]);
    if (activation !== 'linear') for (const c of activationNodes(activation, a, y, l, emit)) used.add(c);
    x = y;
    inSize = units;
  });
  if (destandardize) {
    initializers.push(tensorProto('destandardize_std', [net.outputSize], destandardize.std), tensorProto('destandardize_mean', [net.outputSize], destandardize.mean));
    emit('Mul', 'destandardize_mul', [x, 'destandardize_std'], ['scaled']);
    emit('Add', 'destandardize_add', ['scaled', 'destandardize_mean'], ['output']);
  }
  for (const c of used) initializers.push(tensorProto(c, [], [CONSTANTS[c]]));
  const graph = new ProtoWriter();
  for (const n of nodes) graph.message(1, n);
  graph.string(2, 'wasmgrad');
  for (const t of initializers) graph.message(5, t);
  graph.message(11, valueInfoProto('input', [BATCH, net.inputSize]));
  graph.message(12, valueInfoProto('output', [BATCH, net.outputSize]));
  return modelProto(graph, 'wasmgrad');
}

/**
 * The network as ONNX bytes (a serialised ModelProto, opset 17, IR version
 * 8): `input` [batch, inputSize] → `output` [batch, outputSize], per layer a
 * `Gemm` with float32 initializers and its activation. Run it with ONNX
 * Runtime (`InferenceSession.create(bytes)`). The loss, the optimizer and
 * its state are not in the file (ONNX describes inference): `fromOnnx`
 * takes them as options. `options.standardize` prepends `Sub`/`Div` nodes,
 * `options.destandardize` appends `Mul`/`Add` nodes.
 */
export function toOnnx(net: Network, options: ToOnnxOptions = {}): Uint8Array {
  return encode('toOnnx', net, options);
}

/**
 * Writes `toOnnx(net, options)` to `path` atomically and durably, as `save`
 * does (a temporary file of its own, flushed, renamed over the target).
 * Node only: in a browser it throws WASMGRAD_UNSUPPORTED; use toOnnx there.
 */
export async function saveOnnx(net: Network, path: string, options: ToOnnxOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw argumentError('saveOnnx', 'path', 'a file path', path);
  const bytes = encode('saveOnnx', net, options); // before touching the disk
  if (!platform().files) throw unsupportedError('saveOnnx writes a file, which needs Node; in a browser use toOnnx()');
  await writeFileAtomic(path, bytes, 'saveOnnx');
}
