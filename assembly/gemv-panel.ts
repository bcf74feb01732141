// Assembly-only (a speed layout: the pure-TS backend packs nothing, and its
// mlpForward is the reference these bits are checked against).
//
// One-sample inference on wide layers: y = x·W with W repacked once into
// column panels. gemvRows (assembly/gemv.ts) streams W in memory order, but
// it must keep a whole row of partial sums in memory and load and store each
// of them once per four rows of W. Here W is copied into panels of PANEL
// columns, each stored depth-major (k × PANEL floats, contiguous), so one
// panel is one sequential stream and its PANEL sums stay in registers from
// the first row of W to the last: W is read once, nothing else is.
//
// The copy costs a second W in memory and a pass to write it, so a network
// makes it only for layers where gemvRows is the kernel at batch 1 (wide and
// deep; narrow layers take gemmDirectAxpy's column walk, which already keeps
// its sums in registers), and only after several one-row forwards with the
// same weights (src/nn/panels.ts). Every weight change marks the copy stale
// (SLOT_PANELS; assembly/mlp.ts's training entries, Network.setWeights).
//
// Measured against gemvRows, 1024-1024-1024-10 at batch 1 (bench/gemv.mjs):
// the relaxed build (Node 24) with 8-column panels, six in flight (12
// accumulators), and the baseline build (Node 20) with 16-column panels, one
// at a time with 4 accumulators (V8 spills the baseline's mul+add at 8).
//
// Bits: each output is summed 0 + x_0 w_0j + x_1 w_1j + ... in order, as
// gemvRows sums it, with the same multiply-add (madd) for every column that
// gemvRows computes four at a time; gemvRows computes its last n mod 4 columns
// with scalar (unfused) arithmetic, and so does gemvPanels in the relaxed
// builds, where the two would otherwise round apart.

import { madd } from './fma';
import { storePartial } from './math';

/** Columns per panel: 8 where madd is one instruction (relaxed builds), else 16. */
export const PANEL: i32 = ASC_FEATURE_RELAXED_SIMD ? 8 : 16;
/** Panels the relaxed kernel streams at once (12 accumulators of V8's 16 vector registers). */
const IN_FLIGHT: i32 = 6;

/** Bytes of the panels of a k×n W (n rounded up to whole panels, zero-padded). */
export function panelBytes(n: i32, k: i32): usize {
  return (<usize>((n + PANEL - 1) / PANEL) * <usize>PANEL * <usize>k) << 2;
}

/**
 * Copies W (k×n, row-major, contiguous) into panels at `panels` (panelBytes(n, k) bytes). Whole panels
 * move a row at a time in vector registers: a memory.copy call per row (32 or 64 bytes) cost V8 more than
 * the copy itself. Only a last, partial panel takes memory.copy and its zero padding.
 */
export function packPanels(n: i32, k: i32, w: usize, panels: usize): void {
  const whole = n / PANEL;
  const rowBytes = <usize>n << 2;
  const panelStride = <usize>k * <usize>PANEL << 2;
  let dst = panels;
  let q = 0;
  if (PANEL == 8) {
    // Two 8-column panels at once: each row read is one whole 64-byte line of W, not half of one twice.
    for (; q + 2 <= whole; q += 2) {
      let src = w + (<usize>(q * PANEL) << 2);
      for (let p = 0; p < k; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        v128.store(dst + panelStride, v128.load(src, 32));
        v128.store(dst + panelStride, v128.load(src, 48), 16);
        dst += 32;
        src += rowBytes;
      }
      dst += panelStride;
    }
  }
  for (; q < whole; q++) {
    let src = w + (<usize>(q * PANEL) << 2);
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      if (PANEL == 16) {
        v128.store(dst, v128.load(src, 32), 32);
        v128.store(dst, v128.load(src, 48), 48);
      }
      dst += <usize>PANEL << 2;
      src += rowBytes;
    }
  }
  const cols = n - whole * PANEL;
  if (cols == 0) return;
  let src = w + (<usize>(whole * PANEL) << 2);
  for (let p = 0; p < k; p++) {
    memory.copy(dst, src, <usize>cols << 2);
    memory.fill(dst + (<usize>cols << 2), 0, <usize>(PANEL - cols) << 2);
    dst += <usize>PANEL << 2;
    src += rowBytes;
  }
}

/** y = x·W (n floats written, no more) from W's panels (packPanels). */
export function gemvPanels(n: i32, k: i32, x: usize, panels: usize, y: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const whole = n >> 3;
    let q = 0;
    for (; q + IN_FLIGHT <= whole; q += IN_FLIGHT) panels8x6(k, x, panels + ((<usize>q * <usize>k) << 5), y + (<usize>q << 5));
    for (; q < whole; q++) panel8(k, x, panels + ((<usize>q * <usize>k) << 5), y + (<usize>q << 5), 8);
    if (n & 7) panel8(k, x, panels + ((<usize>q * <usize>k) << 5), y + (<usize>q << 5), n & 7);
    if (n & 3) unfusedColumns(n, k, x, panels, y);
  } else {
    const count = (n + 15) >> 4;
    for (let q = 0; q < count; q++) panel16(k, x, panels + ((<usize>q * <usize>k) << 6), y + (<usize>q << 6), min(16, n - (q << 4)));
  }
}

/**
 * One 16-column panel, four accumulators, two rows of W per pass; stores `cols` (1..16) outputs.
 * (Four rows per pass held sixteen weight vectors at once: V8 spilled, and it ran 4× slower.)
 */
function panel16(k: i32, x: usize, w: usize, y: usize, cols: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let p = 0;
  for (; p + 2 <= k; p += 2) {
    let v = v128.load32_splat(x + (<usize>p << 2));
    a0 = madd(v, v128.load(w), a0); a1 = madd(v, v128.load(w, 16), a1);
    a2 = madd(v, v128.load(w, 32), a2); a3 = madd(v, v128.load(w, 48), a3);
    v = v128.load32_splat(x + (<usize>p << 2), 4);
    a0 = madd(v, v128.load(w, 64), a0); a1 = madd(v, v128.load(w, 80), a1);
    a2 = madd(v, v128.load(w, 96), a2); a3 = madd(v, v128.load(w, 112), a3);
    w += 128;
  }
  for (; p < k; p++) {
    const v = v128.load32_splat(x + (<usize>p << 2));
    a0 = madd(v, v128.load(w), a0); a1 = madd(v, v128.load(w, 16), a1);
    a2 = madd(v, v128.load(w, 32), a2); a3 = madd(v, v128.load(w, 48), a3);
    w += 64;
  }
  if (cols == 16) {
    v128.store(y, a0); v128.store(y, a1, 16); v128.store(y, a2, 32); v128.store(y, a3, 48);
  } else {
    storeColumns(y, a0, cols);
    storeColumns(y + 16, a1, cols - 4);
    storeColumns(y + 32, a2, cols - 8);
    storeColumns(y + 48, a3, cols - 12);
  }
}

/** One 8-column panel, two accumulators; stores `cols` (1..8) outputs. */
function panel8(k: i32, x: usize, w: usize, y: usize, cols: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const v = v128.load32_splat(x + (<usize>p << 2));
    a0 = madd(v, v128.load(w), a0);
    a1 = madd(v, v128.load(w, 16), a1);
    w += 32;
  }
  if (cols == 8) {
    v128.store(y, a0); v128.store(y, a1, 16);
  } else {
    storeColumns(y, a0, cols);
    storeColumns(y + 16, a1, cols - 4);
  }
}

/** Six 8-column panels at once (48 outputs): twelve accumulators, six streams. */
function panels8x6(k: i32, x: usize, w: usize, y: usize): void {
  const stride = <usize>k << 5;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  let a8 = f32x4.splat(0), a9 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const v = v128.load32_splat(x + (<usize>p << 2));
    a0 = madd(v, v128.load(w), a0);
    a1 = madd(v, v128.load(w, 16), a1);
    a2 = madd(v, v128.load(w + stride), a2);
    a3 = madd(v, v128.load(w + stride, 16), a3);
    a4 = madd(v, v128.load(w + 2 * stride), a4);
    a5 = madd(v, v128.load(w + 2 * stride, 16), a5);
    a6 = madd(v, v128.load(w + 3 * stride), a6);
    a7 = madd(v, v128.load(w + 3 * stride, 16), a7);
    a8 = madd(v, v128.load(w + 4 * stride), a8);
    a9 = madd(v, v128.load(w + 4 * stride, 16), a9);
    a10 = madd(v, v128.load(w + 5 * stride), a10);
    a11 = madd(v, v128.load(w + 5 * stride, 16), a11);
    w += 32;
  }
  v128.store(y, a0); v128.store(y, a1, 16); v128.store(y, a2, 32); v128.store(y, a3, 48);
  v128.store(y, a4, 64); v128.store(y, a5, 80); v128.store(y, a6, 96); v128.store(y, a7, 112);
  v128.store(y, a8, 128); v128.store(y, a9, 144); v128.store(y, a10, 160); v128.store(y, a11, 176);
}

/** The first `count` lanes of v (none if count ≤ 0, all four if count ≥ 4). */
@inline function storeColumns(p: usize, v: v128, count: i32): void {
  if (count >= 4) v128.store(p, v);
  else if (count > 0) storePartial(p, v, <usize>count);
}

/**
 * The last n mod 4 outputs as gemvRows sums them: scalar, rounded after each product. Their weights are
 * read from the last panel (PANEL floats a row), not from W, whose column would be a cache line a row.
 */
function unfusedColumns(n: i32, k: i32, x: usize, panels: usize, y: usize): void {
  const rowBytes = <usize>PANEL << 2;
  for (let j = n & ~3; j < n; j++) {
    let sum: f32 = 0;
    let wp = panels + ((<usize>(j / PANEL) * <usize>k * <usize>PANEL + <usize>(j % PANEL)) << 2);
    for (let p = 0; p < k; p++) {
      sum = load<f32>(x + (<usize>p << 2)) * load<f32>(wp) + sum;
      wp += rowBytes;
    }
    store<f32>(y + (<usize>j << 2), sum);
  }
}
