// The f32x4 multiply-add peak of this machine under V8, measured by the bench
// itself (bench/peak.mjs compiles this with the repo's asc at startup), so the
// GEMM rows' "% of peak" compares against the same CPU, Node and load.
//
// Baseline wasm SIMD has no fused multiply-add, so one step is f32x4.mul then
// f32x4.add: 8 flops. Compiled with --enable relaxed-simd (bench/peak.mjs's
// `relaxed` option, build/ never sees it), a step is one f32x4.relaxed_madd
// instead, as in wasmgrad's relaxed-SIMD builds (assembly/fma.ts): still 8
// flops, fused where the CPU can. Each loop keeps N independent
// accumulators, enough to cover the add latency with both vector ports busy;
// which N is best depends on the CPU and on V8's register allocation (16 xmm
// registers: 12 accumulators plus operands may spill), hence three variants
// and the bench takes the best.
//
// The operands are loaded inside the loop, from an address that changes every
// iteration, like a GEMM micro-kernel's loads from its packed panels: nothing
// is loop-invariant, so neither Binaryen nor V8 can hoist or fold the
// multiplications away. 16 rows of 256 bytes = 4 KiB, resident in L1.

const ROW_BYTES: usize = 256; // 12 a-vectors (192 bytes) and the b scalar at byte 240
const ROWS_MASK: i32 = 15;
const BUF = memory.data(16 * 256, 64);

/** Small positive operands: the accumulators grow slowly and never reach Inf or denormals. */
export function fill(): void {
  for (let i = 0; i < 16 * 64; i++) {
    const v: i32 = 1 + i % 7;
    store<f32>(BUF + (<usize>i << 2), <f32>v * 1e-3);
  }
}

@inline function row(i: i32): usize {
  return BUF + (<usize>(i & ROWS_MASK)) * ROW_BYTES;
}

@inline function step(acc: v128, p: usize, b: v128): v128 {
  // A compile-time constant: only one branch is compiled.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(v128.load(p), b, acc);
  return f32x4.add(acc, f32x4.mul(v128.load(p), b));
}

/** `iters` steps of 8 independent accumulators: 64 flops per iteration. */
export function peak8(iters: i32): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < iters; i++) {
    const p = row(i);
    const b = v128.load32_splat(p + 240);
    a0 = step(a0, p, b); a1 = step(a1, p + 16, b); a2 = step(a2, p + 32, b); a3 = step(a3, p + 48, b);
    a4 = step(a4, p + 64, b); a5 = step(a5, p + 80, b); a6 = step(a6, p + 96, b); a7 = step(a7, p + 112, b);
  }
  // Fold every accumulator into the result so none of the work is dead.
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
}

/** `iters` steps of 10 independent accumulators: 80 flops per iteration. */
export function peak10(iters: i32): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
  for (let i = 0; i < iters; i++) {
    const p = row(i);
    const b = v128.load32_splat(p + 240);
    a0 = step(a0, p, b); a1 = step(a1, p + 16, b); a2 = step(a2, p + 32, b); a3 = step(a3, p + 48, b);
    a4 = step(a4, p + 64, b); a5 = step(a5, p + 80, b); a6 = step(a6, p + 96, b); a7 = step(a7, p + 112, b);
    a8 = step(a8, p + 128, b); a9 = step(a9, p + 144, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
    f32x4.add(f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)), f32x4.add(a8, a9)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
}

/** `iters` steps of 12 independent accumulators: 96 flops per iteration. */
export function peak12(iters: i32): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  let a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  for (let i = 0; i < iters; i++) {
    const p = row(i);
    const b = v128.load32_splat(p + 240);
    a0 = step(a0, p, b); a1 = step(a1, p + 16, b); a2 = step(a2, p + 32, b); a3 = step(a3, p + 48, b);
    a4 = step(a4, p + 64, b); a5 = step(a5, p + 80, b); a6 = step(a6, p + 96, b); a7 = step(a7, p + 112, b);
    a8 = step(a8, p + 128, b); a9 = step(a9, p + 144, b); a10 = step(a10, p + 160, b); a11 = step(a11, p + 176, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
}
