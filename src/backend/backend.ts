/**
 * The kernel registry: every kernel wasmgrad runs, by name, with one
 * signature. Pointers are byte offsets into the shared linear memory, sizes
 * are element counts, matrices are row-major f32. The wasm backend is the
 * module's exports; the js backend is the same functions in TypeScript, over
 * the same memory, and serves as the reference and the fallback.
 */
export interface Kernels {
  /** C = alpha·op(A)·op(B) + beta·C (see assembly/gemm.ts). `work` holds gemmWorkBytes() bytes. */
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, a: number, lda: number,
    b: number, ldb: number, beta: number, c: number, ldc: number, work: number): void;
  /** y = f(x·w + bias): x m×k, w k×n, y m×n (gemm, bias and activation in one kernel). */
  denseForward(m: number, n: number, k: number, x: number, w: number, bias: number, y: number, activation: number, work: number): void;
  /** c[i, :] += bias. */
  biasAdd(rows: number, cols: number, bias: number, c: number): void;
  /** out[j] = Σ_i x[i, j]. */
  columnSums(rows: number, cols: number, x: number, out: number): void;
  /** y = f(x) over rows×cols (softmax per row, others elementwise); y may alias x. */
  activationForward(kind: number, rows: number, cols: number, x: number, y: number): void;
  /** dx = dy · f'(a), from the kept output y; dx may alias dy. */
  activationBackward(kind: number, n: number, y: number, dy: number, dx: number): void;
  /** Σ over rows of the per-sample loss (LOSS_IDS). */
  lossSum(loss: number, rows: number, cols: number, y: number, t: number): number;
  /** delta = scale · ∂L/∂a at the last layer (the loss's gradient times the activation's derivative, fused where they cancel). */
  outputDelta(loss: number, activation: number, rows: number, cols: number, y: number, t: number, delta: number, scale: number): void;
  /** w ← w - η g if every result is finite: returns 1; else leaves w alone and returns 0. */
  sgdUpdate(n: number, w: number, g: number, learningRate: number): number;
  /** The optimizer step of the network at desc (kind, state and hyperparameters in its descriptor); 1 if applied. */
  optimizerStep(desc: number, learningRate: number): number;
  /** Inverted dropout: y ⊙= mask with mask_i = [u_i ≥ rate]/(1 - rate), u from the xorshift32 state at `state`. */
  dropoutForward(n: number, y: number, mask: number, rate: number, state: number): void;
  /** delta ⊙= mask ⊙ f'(h), h = y·(1 - rate). */
  dropoutBackward(kind: number, n: number, y: number, mask: number, rate: number, delta: number): void;
  /** Index of the first NaN or ±Infinity among n floats at x, or -1. */
  firstNonFinite(n: number, x: number): number;
  /** Σ x². */
  sumSquares(n: number, x: number): number;
  /** Copies rows order[from .. from+rows) of src into dst. */
  gatherRows(src: number, rowLength: number, order: number, from: number, rows: number, dst: number): void;
  /** y = op(x) elementwise (UNARY_IDS); y may alias x. */
  mapUnary(op: number, n: number, x: number, y: number): void;
  /** y = op(a, b) elementwise over same-shape operands (BINARY_IDS). */
  mapBinary(op: number, n: number, a: number, b: number, y: number): void;
  /** y = op(x, s) with a scalar (SCALAR_IDS). */
  mapScalar(op: number, n: number, x: number, s: number, y: number): void;
  /** y (shape at shapePtr, rank dims) from x read through strides at stridesPtr (0 on broadcast axes); i32 tables. */
  broadcastCopy(rank: number, shapePtr: number, stridesPtr: number, x: number, y: number, n: number): void;
  /** y[o, i] = Σ_a x[o, a, i]. */
  reduceSum(outer: number, axis: number, inner: number, x: number, y: number): void;
  /** y[o, i] = max_a x[o, a, i]. */
  reduceMax(outer: number, axis: number, inner: number, x: number, y: number): void;
  /** y = xᵀ. */
  transpose(rows: number, cols: number, x: number, y: number): void;
  /** Stable softmax of each row. */
  softmaxRows(rows: number, cols: number, x: number, y: number): void;
  /** Forward pass of the network described at `desc`; returns the output pointer. */
  mlpForward(desc: number, x: number, rows: number): number;
  /** Σ_rows per-sample loss, forward only. */
  mlpLossSum(desc: number, x: number, t: number, rows: number): number;
  /** Forward + backward; gradients of the batch-mean loss land in the gradient array. Returns the loss sum. */
  mlpGradients(desc: number, x: number, t: number, rows: number): number;
  /** Gradients then the SGD update; NaN (and no update) if anything is non-finite. */
  mlpTrainStep(desc: number, x: number, t: number, rows: number, learningRate: number): number;
  /** Many batches over an index order; see assembly/mlp.ts. Returns samples trained on. */
  mlpTrainBatches(desc: number, x: number, t: number, order: number, start: number, count: number,
    batchSize: number, learningRate: number, result: number): number;
  /**
   * Whole epochs over samples 0..samples, each shuffled first (with the xoshiro128** state at `random`, unless 0),
   * at learning rates rates[e] (f64), loss sums to losses[e] (f64); see assembly/mlp.ts. Returns epochs completed.
   */
  mlpTrainEpochs(desc: number, x: number, t: number, order: number, samples: number, batchSize: number, epochs: number,
    rates: number, random: number, losses: number, result: number): number;
  /** Bytes of layer `layer`'s one-row weight panels (assembly/gemv-panel.ts), 0 where it keeps none (always, in the js backend). */
  mlpPanelBytes(desc: number, layer: number): number;
  /** Packs the weights of every layer with a LAYER_PANELS block into it and marks the panels current (SLOT_PANELS). */
  mlpPackPanels(desc: number): void;
}

export type BackendName = 'wasm' | 'js';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'js'];

export interface Backend extends Kernels {
  readonly name: BackendName;
}

export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
  'gemm', 'denseForward', 'biasAdd', 'columnSums', 'activationForward', 'activationBackward', 'lossSum', 'outputDelta', 'sgdUpdate', 'optimizerStep', 'dropoutForward', 'dropoutBackward', 'firstNonFinite', 'sumSquares', 'gatherRows', 'mapUnary', 'mapBinary', 'mapScalar', 'broadcastCopy', 'reduceSum',
  'reduceMax', 'transpose', 'softmaxRows', 'mlpForward', 'mlpLossSum', 'mlpGradients', 'mlpTrainStep',
  'mlpTrainBatches', 'mlpTrainEpochs', 'mlpPanelBytes', 'mlpPackPanels',
];
