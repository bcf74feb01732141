/**
 * Helpers for the tests that put networks and tensors above 2 GiB of linear
 * memory (issue 10, item 4). `exercise()` runs every public operation that
 * reads or writes linear memory and returns what came out; run once at a low
 * address and once above 2^31 it must give the same numbers, bit for bit.
 *
 * Placing things high is cheap: one dummy block fills the memory below the
 * target address. memory.grow (and a fresh ArrayBuffer) is zero-filled lazily
 * by the OS, and the dummy is never touched, so it costs address space, not RAM.
 */
import type { Heap } from '../../src/heap.js';
import type { BackendName } from '../../src/backend/backend.js';
import {
  adam, add, dense, exp, fromJSON, grad, matmul, mean, mul, sequential, sgd, sigmoid, softmax, sum, tensor, tidy, transpose,
  type Network,
} from '../../src/index.js';

export const TWO_GIB = 2 ** 31;

/**
 * Fills the heap from its lowest free byte up to `address` with one dummy
 * block, so the next blocks start at `address` (64-aligned). Call with every
 * other block freed (the free memory is then one span). Returns the dummy; free it after.
 */
export function fillBelow(heap: Heap, address: number): number {
  const lowest = heap.alloc(64);
  heap.free(lowest);
  if (lowest >= address) throw new Error(`fillBelow: the heap's first free byte ${lowest} is already past ${address}`);
  const dummy = heap.alloc(address - lowest);
  const next = heap.alloc(64);
  heap.free(next);
  if (next !== address) throw new Error(`fillBelow: expected the next block at ${address}, got ${next} (was the heap fragmented?)`);
  return dummy;
}

const bits = (values: ArrayLike<number>) => Array.from(new Int32Array(Float32Array.from(values).buffer));
const weightBits = (net: Network) => bits(net.getWeights().flatMap((layer) => [...layer.weights.flat(), ...layer.bias]));

function data(rows: number, cols: number, salt: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(i * 1.7 + j * 0.31 + salt)));
}

function oneHot(rows: number, classes: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: classes }, (_, j) => (j === (i * 7) % classes ? 1 : 0)));
}

/** One network through everything that touches its block; returns float bits of every result. */
function networkResults(net: Network, x: number[][], t: number[][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.initial = weightBits(net);
  out.predict = bits(net.predict(x).flat());
  out.predictFlat = bits(net.predict(Float32Array.from(x.flat())));
  out.evaluate = net.evaluate(x, t);
  out.gradients = bits(net.gradients(x, t).flatMap((layer) => [...layer.weights.flat(), ...layer.bias]));
  out.history = net.fitSync(x, t, { epochs: 3, batchSize: 8, validationSplit: 0.25, earlyStopping: { patience: 5 } }).loss;
  out.trained = weightBits(net);
  // Bigger batches than the block was laid out for: the block is moved (re-allocated) and must keep its parameters.
  out.historyWide = net.fitSync(x, t, { epochs: 2, batchSize: x.length }).loss;
  out.afterWide = weightBits(net);
  const json = net.toJSON();
  const copy = fromJSON(JSON.parse(JSON.stringify(json)));
  out.copyPredict = bits(copy.predict(x).flat());
  out.copyTrained = copy.fitSync(x, t, { epochs: 1, batchSize: 4 }).loss;
  copy.setWeights(net.getWeights());
  out.setWeights = weightBits(copy);
  copy.dispose();
  net.dispose();
  return out;
}

function tensorResults(backend: BackendName): Record<string, unknown> {
  const a = tensor(data(6, 5, 1), { backend, requiresGrad: true });
  const b = tensor(data(5, 4, 2), { backend, requiresGrad: true });
  const c = tensor(data(1, 4, 3)[0], { backend });
  const f = (x: typeof a, y: typeof b) => {
    const p = matmul(x, y);
    return mul(softmax(add(p, c)), sigmoid(exp(transpose(transpose(p))))).pow(2).reshape([4, 6]);
  };
  const [ga, gb] = grad((x, y) => sum(f(x, y)))(a, b);
  const out = tidy(() => ({ value: bits(f(a, b).dataSync()), mean: mean(f(a, b)).item(), ga: bits(ga.dataSync()), gb: bits(gb.dataSync()) }));
  for (const t of [a, b, c, ga, gb]) t.dispose();
  return out;
}

/** Everything above, on `backend`: a tiny network (the small-network kernels), a wide one with dropout (GEMM), tensors. */
export function exercise(backend: BackendName): Record<string, unknown> {
  const tiny = sequential({
    inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 3, backend,
  });
  const wide = sequential({
    inputSize: 20,
    layers: [dense(48, { activation: 'relu', dropout: 0.2 }), dense(40, { activation: 'tanh' }), dense(5, { activation: 'softmax' })],
    loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.01 }), seed: 4, backend,
  });
  return {
    tiny: networkResults(tiny, data(16, 2, 0), oneHot(16, 2)),
    wide: networkResults(wide, data(40, 20, 5), oneHot(40, 5)),
    tensors: tensorResults(backend),
  };
}

/**
 * Runs `exercise(backend)` at a low address, above 2^31, and straddling 2^31
 * (a block whose low half has signed-positive addresses, its high half
 * negative ones), expecting the same bits each time; frees its filler.
 */
export function expectSameBitsAboveTwoGiB(heap: Heap, backend: BackendName, expectEqual: (actual: unknown, expected: unknown) => void): void {
  const blocks = heap.liveBlocks;
  const low = exercise(backend);
  expectEqual(heap.liveBlocks, blocks);
  for (const address of [TWO_GIB + 4096, TWO_GIB - 1024]) {
    const filler = fillBelow(heap, address);
    try {
      expectEqual(exercise(backend), low);
      expectEqual(heap.liveBlocks, blocks + 1);
    } finally {
      heap.free(filler);
    }
  }
}
