// Assembly-only: the multiply-add every f32x4 inner loop uses, chosen when
// the module is compiled. The relaxed-SIMD builds (asconfig.json's "relaxed"
// and "threads-relaxed" targets, --enable relaxed-simd) use
// f32x4.relaxed_madd, which V8 compiles to one fused multiply-add on x86 with
// FMA and on ARM: one instruction instead of two, and no register for the
// product, so a micro-kernel tile can keep more accumulators. The baseline
// builds use f32x4.mul then f32x4.add, bit for bit what the kernels computed
// before this helper existed.
//
// relaxed_madd may or may not fuse (the engine and CPU decide), so the relaxed
// builds' results can differ in the last bits from the baseline builds', and
// from one machine to another: README's "Reproducibility" says what stays
// bit-identical.

/**
 * 1 in the relaxed-SIMD builds, 0 in the baseline builds: exported so that
 * src/runtime.ts can tell which build a module is (RuntimeInfo.features).
 */
export const RELAXED_SIMD: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0;

/** a · b + c on four f32 lanes: fused where the build and the engine allow, else rounded after the product too. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  // A compile-time constant: the other branch is not compiled (the baseline
  // builds could not encode relaxed_madd).
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
