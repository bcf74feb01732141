import { internalError } from '../../errors.js';
import type { MemoryViews } from '../../heap.js';
import {
  headerIndex, SLOT_PARAM_COUNT, SLOT_PARAMS, SLOT_GRADS, SLOT_OPTIMIZER, SLOT_STATE1, SLOT_STATE2, SLOT_HYPER, MAX_STEP, stepIndex,
} from '../descriptor.js';
import { HYPER, OPTIMIZER_IDS } from '../kinds.js';

const f32 = Math.fround;

/**
 * The pure-TS twin of assembly/optimizers.ts: the same optimizer step, element by
 * element in float32 arithmetic, all or nothing. Returns 1 if applied, 0 if
 * anything would be non-finite.
 */
export function optimizerStep(v: MemoryViews, desc: number, learningRate: number): number {
  const i32 = v.i32, f = v.f32;
  const slot = (s: number) => i32[headerIndex(desc, s)] >>> 0;
  const n = slot(SLOT_PARAM_COUNT), W = slot(SLOT_PARAMS) >>> 2, G = slot(SLOT_GRADS) >>> 2;
  const S1 = slot(SLOT_STATE1) >>> 2, S2 = slot(SLOT_STATE2) >>> 2, H = slot(SLOT_HYPER) >>> 2;
  const kind = slot(SLOT_OPTIMIZER);
  // As the wasm twin traps: an unknown id would take the plain-SGD branches.
  if (kind > OPTIMIZER_IDS.rmsprop) throw internalError(`optimizerStep: unknown optimizer id ${kind}`);
  const beta1 = f[H + HYPER.beta1], beta2 = f[H + HYPER.beta2], epsilon = f[H + HYPER.epsilon];
  const nesterov = f[H + HYPER.nesterov] !== 0, decay = f[H + HYPER.weightDecay], l2 = f[H + HYPER.l2], clip = f[H + HYPER.clipNorm];
  let scale = 1;
  if (clip > 0) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += f[G + i] * f[G + i];
    const norm = Math.sqrt(sum);
    if (!Number.isFinite(norm)) return 0;
    if (norm > clip) scale = f32(clip / norm);
  }
  // An f64 count, as in the wasm kernel: β^t underflows to 0 for a huge step (correction 1), never NaN.
  const step = v.f64[stepIndex(desc)] + 1;
  // (The wasm kernel takes a lean path for plain SGD; the arithmetic is the same.)
  const correction1 = f32(1 - Math.pow(beta1, step)), correction2 = f32(1 - Math.pow(beta2, step));
  const rate = f32(learningRate);
  const next = (i: number): [number, number, number] => {
    const w = f[W + i];
    const g = f32(f32(f[G + i] * scale) + f32(l2 * w));
    let a = S1 ? f[S1 + i] : 0, b = S2 ? f[S2 + i] : 0, direction: number;
    if (kind === OPTIMIZER_IDS.adam) {
      a = f32(f32(beta1 * a) + f32(f32(1 - beta1) * g));
      b = f32(f32(beta2 * b) + f32(f32(1 - beta2) * f32(g * g)));
      direction = f32(f32(a / correction1) / f32(f32(Math.sqrt(f32(b / correction2))) + epsilon));
    } else if (kind === OPTIMIZER_IDS.rmsprop) {
      a = f32(f32(beta1 * a) + f32(f32(1 - beta1) * f32(g * g)));
      direction = f32(g / f32(f32(Math.sqrt(a)) + epsilon));
    } else if (S1) {
      a = f32(f32(beta1 * a) + g);
      direction = nesterov ? f32(g + f32(beta1 * a)) : a;
    } else {
      direction = g;
    }
    return [f32(f32(w - f32(rate * direction)) - f32(rate * f32(decay * w))), a, b];
  };
  for (let i = 0; i < n; i++) {
    const [w, a, b] = next(i);
    if (!Number.isFinite(w) || !Number.isFinite(a) || !Number.isFinite(b)) return 0;
  }
  for (let i = 0; i < n; i++) {
    const [w, a, b] = next(i);
    f[W + i] = w;
    if (S1) f[S1 + i] = a;
    if (S2) f[S2 + i] = b;
  }
  v.f64[stepIndex(desc)] = Math.min(step, MAX_STEP);
  return 1;
}
