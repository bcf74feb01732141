/**
 * ONNX import: elementwise Add/Sub/Mul/Div by constants next to a dense
 * layer, and Gemm's alpha and beta, folded into the layer's weights (a
 * wasmgrad network is dense layers only). A standardization before the first
 * layer, z = (x - mean) / std as toOnnx's `standardize` writes it, becomes
 * W' = diag(1/std)·W and b' = b - (mean/std)·W; one after a layer, y = a·std
 * + mean as `destandardize` writes it, becomes W' = W·diag(std) and b' =
 * b·std + mean. Everything is computed in float64 and rounded once to float32.
 *
 * Folding into a layer's inputs can cost precision: with x near its mean,
 * x·W' sums terms of size (mean/std)·W that cancel, where the unfolded graph
 * summed terms of size W. Where the extra float32 rounding this brings could
 * move the layer's outputs by more than {@link FOLD_TOLERANCE} of their
 * scale, the model is refused (WASMGRAD_UNSUPPORTED) instead of imported
 * less exactly than ONNX Runtime runs it. Folding into a layer's outputs
 * scales each output's sum as a whole and costs nothing.
 */
import { unsupportedError } from '../../errors.js';
import { describeNode, type ChainReader } from './chain.js';
import { tensorValues, type OnnxNode, type OnnxTensor } from './model.js';

/** How far folding may move a layer's outputs, relative to their scale (the ONNX tests' tolerance). */
const FOLD_TOLERANCE = 1e-5;
/** float32's unit roundoff. */
const ROUNDOFF = 2 ** -24;
/**
 * The estimate below (the cancelling sum of F terms, each rounded, has error
 * about F·u) against what was measured: imports of toOnnx's standardize
 * against onnxruntime-web, 5 to 200 inputs, means 1 to 10^4 standard
 * deviations from zero, moved outputs by 0.8 to 2.9 times F·u (150 rows per
 * case). 4 keeps every accepted fold within FOLD_TOLERANCE: means up to
 * about 40 standard deviations from zero.
 */
const ERROR_PER_ROUNDOFF = 4;

/** One elementwise step x ↦ x + c, x - c, c - x, x·c or x / c, c a constant per feature (or one for all). */
export interface AffineStep {
  node: OnnxNode;
  op: 'add' | 'sub' | 'subFrom' | 'mul' | 'div';
  constant: OnnxTensor;
}

/** The ops read as affine steps. */
const AFFINE_OPS: ReadonlySet<string> = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * `node` as an affine step of the chain's tensor `x`, or null when it is not
 * an Add/Sub/Mul/Div of `x` and a constant. The constant must be a scalar,
 * [n] or [1, n]: one value per feature, broadcast over the batch.
 */
export function readAffineStep(r: ChainReader, x: string, node: OnnxNode): AffineStep | null {
  if (!AFFINE_OPS.has(node.opType) || node.inputs.length !== 2 || node.inputs[0] === node.inputs[1] || !node.inputs.includes(x)) return null;
  const name = node.inputs[0] === x ? node.inputs[1] : node.inputs[0];
  if (!r.isConstant(name)) return null;
  const constant = r.constant(node, name, 'operand');
  if (node.opType === 'Div' && node.inputs[1] === x) throw r.unsupported(node, `divides the constant "${name}" by the chain's tensor: not an affine map wasmgrad can fold into a dense layer`);
  const { dims } = constant;
  if (dims.length > 2 || (dims.length === 2 && dims[0] !== 1)) {
    throw r.unsupported(node, `has the constant "${name}" of dims [${dims}]; wasmgrad folds a scalar, [n] or [1, n] (one value per feature) into the dense layer next to it`);
  }
  const op = node.opType === 'Sub' ? (node.inputs[0] === x ? 'sub' : 'subFrom') : (node.opType.toLowerCase() as 'add' | 'mul' | 'div');
  return { node, op, constant };
}

/** Per feature x ↦ x·scale + shift. */
interface Affine {
  scale: Float64Array;
  shift: Float64Array;
}

/** The steps composed, in float64, over `width` features; the constants are read and checked here. */
function compose(where: string, steps: readonly AffineStep[], width: number): Affine {
  const scale = new Float64Array(width).fill(1);
  const shift = new Float64Array(width);
  for (const { node, op, constant } of steps) {
    const values = tensorValues(where, constant, describeNode(node));
    if (values.length !== 1 && values.length !== width) {
      throw unsupportedError(`${where}: ${describeNode(node)} has the constant "${constant.name}" of ${values.length} values for ${width} features; expected 1 or ${width}`);
    }
    for (let i = 0; i < width; i++) {
      const c = values[values.length === 1 ? 0 : i];
      if (op === 'add') shift[i] += c;
      else if (op === 'sub') shift[i] -= c;
      else if (op === 'subFrom') [scale[i], shift[i]] = [-scale[i], c - shift[i]];
      else if (op === 'mul') [scale[i], shift[i]] = [scale[i] * c, shift[i] * c];
      else [scale[i], shift[i]] = [scale[i] / c, shift[i] / c];
    }
  }
  return { scale, shift };
}

/** What to fold into one dense layer: Gemm's alpha and beta, the steps before it (on its inputs) and after it (on its outputs). */
export interface LayerFold {
  node: OnnxNode;
  alpha: number;
  beta: number;
  before: readonly AffineStep[];
  after: readonly AffineStep[];
}

/** Whether there is anything to fold. */
export const foldsAnything = (f: LayerFold) => f.alpha !== 1 || f.beta !== 1 || f.before.length > 0 || f.after.length > 0;

/**
 * A layer's weights (in×out, row-major) and bias with `fold` applied; throws
 * WASMGRAD_UNSUPPORTED naming the nodes where the result would not be within
 * FOLD_TOLERANCE, or not finite in float32.
 */
export function foldLayer(where: string, fold: LayerFold, w: Float32Array, b: Float32Array): [Float32Array, Float32Array] {
  const units = b.length, inSize = w.length / units;
  const W = Float64Array.from(w, (v) => v * fold.alpha);
  const B = Float64Array.from(b, (v) => v * fold.beta);
  if (fold.before.length > 0) {
    const { scale, shift } = compose(where, fold.before, inSize);
    // Per output: the size of the terms the unfolded graph sums (standardized inputs of size ~1) and of the folded ones.
    const unfolded = B.map(Math.abs), folded = new Float64Array(units);
    for (let i = 0; i < inSize; i++) {
      for (let o = 0; o < units; o++) {
        const v = W[i * units + o];
        unfolded[o] += Math.abs(v);
        folded[o] += (1 + Math.abs(shift[i])) * Math.abs(v);
        B[o] += shift[i] * v;
        W[i * units + o] = v * scale[i];
      }
    }
    let worst = 0, at = 0;
    for (let o = 0; o < units; o++) {
      const change = unfolded[o] > 0 ? ((folded[o] + Math.abs(B[o])) / unfolded[o]) * ROUNDOFF * ERROR_PER_ROUNDOFF : 0;
      if (change > worst) [worst, at] = [change, o];
    }
    if (worst > FOLD_TOLERANCE) {
      let far = 0;
      for (let i = 1; i < inSize; i++) if (Math.abs(shift[i]) > Math.abs(shift[far])) far = i;
      throw unsupportedError(`${where}: ${fold.before.map((s) => describeNode(s.node)).join(', ')} before ${describeNode(fold.node)} cannot be folded into its weights `
        + `exactly enough: input ${far} is shifted by ${Math.abs(shift[far]).toPrecision(3)} times its scale (a mean far from zero for its spread), `
        + `so output ${at} could move by ~${worst.toPrecision(2)} of its size, more than ${FOLD_TOLERANCE}. A wasmgrad network has no standardization step: `
        + 'apply it to the inputs before predict, and import the model exported without it');
    }
  }
  if (fold.after.length > 0) {
    const { scale, shift } = compose(where, fold.after, units);
    for (let i = 0; i < inSize; i++) for (let o = 0; o < units; o++) W[i * units + o] *= scale[o];
    for (let o = 0; o < units; o++) B[o] = B[o] * scale[o] + shift[o];
  }
  const outW = Float32Array.from(W), outB = Float32Array.from(B);
  for (const [values, what] of [[outW, 'weights'], [outB, 'bias']] as const) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const nodes = [fold.node, ...fold.before.map((s) => s.node), ...fold.after.map((s) => s.node)].map(describeNode).join(', ');
      throw unsupportedError(`${where}: folding ${nodes} gives ${values[bad]} in the ${what} at index ${bad}; expected finite float32 values (alpha ${fold.alpha}, beta ${fold.beta})`);
    }
  }
  return [outW, outB];
}
