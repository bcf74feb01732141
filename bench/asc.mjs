/**
 * AssemblyScript compiled in the bench's own process, for the measuring loops
 * that live next to the benches that use them (bench/gemv-bound.mjs,
 * bench/w1-chain.mjs): the repo's asc, no runtime, -O3, SIMD.
 */
import asc from 'assemblyscript/asc';

/** Instantiates the module compiled from `sources` ({ 'file.ts': text }, the first file the entry); returns its exports. */
export async function compileAssemblyScript(sources) {
  const { error, stderr, binary } = await asc.compileString(sources, {
    optimizeLevel: 3, shrinkLevel: 0, runtime: 'stub', noAssert: true, enable: ['simd'],
  });
  if (error || !binary) throw new Error(`asc: ${error?.message ?? 'no binary'}\n${stderr}`);
  const { instance } = await WebAssembly.instantiate(binary);
  return instance.exports;
}
