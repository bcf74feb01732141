/**
 * Issue 10, the tensor API: holes and values beyond float32 refused on the
 * way in (items 5, 6), nothing leaked when a scoped function throws
 * (item 10), graphs of 100,000 ops (item 11), disposed tensors refused
 * (item 2), and coded errors throughout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  add, backward, checkGradients, div, grad, isWasmgradError, mul, noGrad, ones, pow, scalar, sub, sum, tensor, tidy, toDot, trace,
  valueAndGrad, zeros, Tensor, type ErrorCode,
} from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

/** Runs fn, expecting a wasmgrad error with `code` whose message matches `message`. */
function expectCoded(fn: () => unknown, code: ErrorCode, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a throw').toBeInstanceOf(Error);
  expect((thrown as Error).message).toMatch(message);
  expect(isWasmgradError(thrown, code), `code of "${(thrown as Error).message}"`).toBe(true);
}

/** Live heap blocks after fn, minus before: what fn leaked. */
function leakedBy(fn: () => void): number {
  const heap = runtime().heap;
  const before = heap.liveBlocks;
  fn();
  return heap.liveBlocks - before;
}

class Boom extends Error {}

describe('holes and ragged nesting (item 5)', () => {
  it('a hole at any depth is refused, naming its index path, and allocates nothing', () => {
    const leaked = leakedBy(() => {
      // eslint-disable-next-line no-sparse-arrays
      expectCoded(() => tensor([1, , 3] as never), 'WASMGRAD_INVALID_ARGUMENT', /^tensor: values\[1\] must be a value, but is a hole \(an empty array slot\)/);
      // eslint-disable-next-line no-sparse-arrays
      expectCoded(() => tensor([[1, 2], [3, , ]] as never), 'WASMGRAD_INVALID_ARGUMENT', /^tensor: values\[1\]\[1\] must be a value, but is a hole/);
      // eslint-disable-next-line no-sparse-arrays
      expectCoded(() => tensor([, [1, 2]] as never), 'WASMGRAD_INVALID_ARGUMENT', /values\[0\] .*hole/);
      // eslint-disable-next-line no-sparse-arrays
      expectCoded(() => tensor([[[1], [2]], [[3], [, ]]] as never), 'WASMGRAD_INVALID_ARGUMENT', /values\[1\]\[1\]\[0\] .*hole/);
      const grown = [1, 2];
      grown.length = 3;
      expectCoded(() => tensor(grown), 'WASMGRAD_INVALID_ARGUMENT', /values\[2\] .*hole/);
    });
    expect(leaked).toBe(0);
  });

  it('ragged arrays, explicit undefined and non-numbers are refused with the element named', () => {
    expectCoded(() => tensor([[1, 2], [3]]), 'WASMGRAD_SHAPE', /values\[1\] has shape \[1\], expected \[2\]/);
    expectCoded(() => tensor([[1, 2], 3] as never), 'WASMGRAD_SHAPE', /values\[1\] has shape \[\], expected \[2\]/);
    expectCoded(() => tensor([1, [2]] as never), 'WASMGRAD_SHAPE', /values\[1\] has shape \[1\], expected a number/);
    expectCoded(() => tensor([[1, undefined]] as never), 'WASMGRAD_INVALID_ARGUMENT', /values\[0\]\[1\] must be a number, got undefined/);
    expectCoded(() => tensor([[1, '2']] as never), 'WASMGRAD_INVALID_ARGUMENT', /values\[0\]\[1\] must be a number, got "2"/);
    expectCoded(() => tensor([[]]), 'WASMGRAD_INVALID_ARGUMENT', /values\[0\] must be a number or a non-empty array/);
  });

  it('a 10,000-deep nesting is read without recursion', () => {
    let deep: unknown = 7;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const t = tensor(deep as never);
    expect(t.rank).toBe(10_000);
    expect(t.dataSync()).toEqual(new Float32Array([7]));
    expect(Array.isArray(t.toArray())).toBe(true);
    t.dispose();
  });

  it('shapes: a Float32Array of the wrong length, negative, fractional or empty dimensions', () => {
    expectCoded(() => tensor(new Float32Array(5), [2, 3]), 'WASMGRAD_SHAPE', /shape \[2, 3\] holds 6 values, but values has 5/);
    expectCoded(() => tensor(new Float32Array(4), [-2, -2]), 'WASMGRAD_INVALID_ARGUMENT', /shape\[0\] must be a positive integer, got -2/);
    expectCoded(() => tensor(new Float32Array(4), [2, 2.5]), 'WASMGRAD_INVALID_ARGUMENT', /shape\[1\] must be a positive integer, got 2.5/);
    // eslint-disable-next-line no-sparse-arrays
    expectCoded(() => zeros([2, , 2] as never), 'WASMGRAD_INVALID_ARGUMENT', /zeros: shape\[1\] must be a positive integer/);
    // eslint-disable-next-line no-sparse-arrays
    expectCoded(() => tensor([1, 2, 3, 4]).reshape([2, , 2] as never), 'WASMGRAD_INVALID_ARGUMENT', /reshape: shape\[1\] must be a positive integer/);
  });

  it('a shape beyond linear memory is WASMGRAD_OUT_OF_MEMORY, allocating nothing', () => {
    const leaked = leakedBy(() => {
      expectCoded(() => zeros([1e6, 1e6]), 'WASMGRAD_OUT_OF_MEMORY', /zeros: a tensor of shape \[1000000, 1000000\] needs 4000000000000 bytes/);
      expectCoded(() => ones([2 ** 20, 2 ** 20, 2 ** 20]), 'WASMGRAD_OUT_OF_MEMORY', /ones: a tensor of shape/);
    });
    expect(leaked).toBe(0);
  });
});

describe('numbers beyond float32 (item 6)', () => {
  it('tensor() and scalar() refuse 1e39 (Infinity as float32), naming the element', () => {
    const leaked = leakedBy(() => {
      expectCoded(() => tensor([1e39]), 'WASMGRAD_INVALID_ARGUMENT', /tensor: values\[0\] must be within float32's range .*got 1e\+39/);
      expectCoded(() => tensor([[1, 2], [3, -1e39]]), 'WASMGRAD_INVALID_ARGUMENT', /values\[1\]\[1\] must be within float32's range/);
      expectCoded(() => tensor(new Float32Array([1, Infinity]), [2]), 'WASMGRAD_INVALID_ARGUMENT', /values\[1\] must be a finite number, got Infinity/);
      expectCoded(() => scalar(1e39), 'WASMGRAD_INVALID_ARGUMENT', /scalar: value must be within float32's range/);
      expectCoded(() => scalar(-Infinity), 'WASMGRAD_INVALID_ARGUMENT', /scalar: value must be a finite number/);
    });
    expect(leaked).toBe(0);
    // The largest float32 and values that round to it still go in.
    expect(tensor([3.4028234663852886e38]).item()).toBe(3.4028234663852886e38);
    expect(scalar(1e-46).item()).toBe(0);
  });

  it('number operands of ops are checked as float32 before anything is allocated', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const leaked = leakedBy(() => {
      expectCoded(() => mul(x, 1e39), 'WASMGRAD_INVALID_ARGUMENT', /mul: b must be within float32's range/);
      expectCoded(() => x.add(-1e39), 'WASMGRAD_INVALID_ARGUMENT', /add: b must be within float32's range/);
      expectCoded(() => sub(1e39, x), 'WASMGRAD_INVALID_ARGUMENT', /sub: a must be within float32's range/);
      expectCoded(() => div(x, NaN), 'WASMGRAD_INVALID_ARGUMENT', /div: b must be a finite number, got NaN/);
      expectCoded(() => pow(x, 1e39), 'WASMGRAD_INVALID_ARGUMENT', /pow: b must be within float32's range/);
      expectCoded(() => x.pow(Infinity), 'WASMGRAD_INVALID_ARGUMENT', /pow: b must be a finite number/);
      expectCoded(() => add(1, 2), 'WASMGRAD_INVALID_ARGUMENT', /add: a must be a Tensor when b is a number/);
      expectCoded(() => sum(x.mul(x)).backward(1e39), 'WASMGRAD_INVALID_ARGUMENT', /backward: seed must be within float32's range/);
    });
    // The failed backward's loss (mul and sum) stays with the caller; nothing else.
    expect(leaked).toBe(2);
    expect(x.grad).toBeNull();
    // Division by zero is IEEE division, as for tensors.
    expect(Array.from(tensor([1, -1]).div(0).dataSync())).toEqual([Infinity, -Infinity]);
  });
});

describe('leaks when a scoped function throws (item 10)', () => {
  it('2,000 failed tidy, grad and valueAndGrad calls leak no block', () => {
    const x = tensor([[0.5, -1, 2]]);
    const w = tensor([[1], [2], [3]]);
    const leaked = leakedBy(() => {
      for (let i = 0; i < 2000; i++) {
        const which = i % 4;
        const fail = () => {
          if (which === 0) tidy(() => { x.mul(2).add(1).sigmoid(); throw new Boom('in tidy'); });
          else if (which === 1) grad((a: Tensor) => { sum(a.matmul(w).sigmoid()); throw new Boom('in grad'); })(x);
          else if (which === 2) valueAndGrad((a: Tensor) => { a.mul(a); throw new Boom('in valueAndGrad'); })(x);
          else tidy(() => tidy(() => { x.exp(); return tidy(() => { x.neg(); throw new Boom('nested'); }); }));
        };
        expect(fail).toThrow(Boom);
      }
    });
    expect(leaked).toBe(0);
    x.dispose();
    w.dispose();
  });

  it('f returning a non-tensor or a non-scalar leaks nothing', () => {
    const x = tensor([1, 2, 3]);
    const leaked = leakedBy(() => {
      expectCoded(() => grad((a: Tensor) => { a.mul(3); return 3 as never; })(x), 'WASMGRAD_INVALID_ARGUMENT', /valueAndGrad: f\(\.\.\.\) must be a Tensor, got 3/);
      expectCoded(() => grad((a: Tensor) => a.mul(3))(x), 'WASMGRAD_SHAPE', /f must return a scalar to differentiate, got shape \[3\]/);
      expectCoded(() => grad((a: Tensor) => scalar(1).add(a.sum().mul(0)).sub(scalar(1)).mul(a.sum()).add(undefined as never))(x),
        'WASMGRAD_INVALID_ARGUMENT', /add: b must be a Tensor or a number, got undefined/);
    });
    expect(leaked).toBe(0);
    x.dispose();
  });

  it('an async function in tidy is refused, and what it made before its first await is freed', async () => {
    const x = scalar(2);
    const heap = runtime().heap;
    const before = heap.liveBlocks;
    expectCoded(() => tidy((async () => { x.mul(3); await null; }) as never), 'WASMGRAD_INVALID_ARGUMENT', /tidy: fn returned a Promise/);
    expect(heap.liveBlocks).toBe(before);
    // A rejection of the abandoned promise is not reported as unhandled.
    expect(() => tidy((async () => { throw new Boom('later'); }) as never)).toThrow(/returned a Promise/);
    await new Promise((resolve) => setTimeout(resolve, 0));
    x.dispose();
  });

  it('a failing gradient rule leaves every .grad as it was and leaks nothing', () => {
    const x = scalar(3, { requiresGrad: true });
    const y = x.mul(x).add(x);
    y.backward();
    expect(x.grad!.item()).toBe(7);
    const c = scalar(2);
    const z = x.mul(c).add(y);
    c.dispose();
    const leaked = leakedBy(() => expectCoded(() => z.backward(), 'WASMGRAD_DISPOSED', /backward: tensor .* has been disposed/));
    expect(leaked).toBe(0);
    expect(x.grad!.item()).toBe(7);
  });

  it('tidy survives a result that refers to itself', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const kept = tidy(() => { cyclic.t = scalar(1); scalar(2); return cyclic; });
    expect((kept.t as Tensor).item()).toBe(1);
    (kept.t as Tensor).dispose();
  });
});

describe('deep and wide graphs (item 11)', () => {
  it('backward through a chain of 100,000 adds gives gradient 1, and trace/toDot/dispose work on it', () => {
    const heap = runtime().heap;
    const before = heap.liveBlocks;
    const x = scalar(0.5, { requiresGrad: true, name: 'x' });
    let y = x;
    const chain: Tensor[] = [];
    for (let i = 0; i < 100_000; i++) {
      y = add(y, 1);
      chain.push(y);
    }
    y.backward();
    expect(x.grad!.item()).toBe(1);
    expect(chain[0].grad!.item()).toBe(1);
    expect(trace(y).split('\n')).toHaveLength(100_001);
    expect(toDot(y)).toContain('digraph');
    for (const t of chain) t.dispose();
    x.dispose();
    expect(heap.liveBlocks).toBe(before);
  });

  it('a 20,000-op chain under grad() frees its graph', () => {
    const leaked = leakedBy(() => {
      const x = scalar(2);
      const [g] = grad((a: Tensor) => {
        let y = a;
        for (let i = 0; i < 20_000; i++) y = mul(y, 1);
        return y;
      })(x);
      expect(g.item()).toBe(1);
      g.dispose();
      x.dispose();
    });
    expect(leaked).toBe(0);
  });

  it('a node reached by many paths gets the sum over the paths (the seed\'s last note)', () => {
    // Fan-out then fan-in, 2,000 times over: y = Σ_k (k·x) with x used by every term, so dy/dx = Σ k.
    const x = scalar(1.5, { requiresGrad: true });
    let total = mul(x, 0);
    for (let k = 1; k <= 2000; k++) total = add(total, mul(x, k));
    total.backward();
    expect(x.grad!.item()).toBe(2000 * 2001 / 2);
    // Diamonds stacked 100 deep: each level doubles the number of paths (h + h), so d/dz = 2^100, exact in float32.
    const z = scalar(1, { requiresGrad: true });
    let h = z;
    for (let d = 0; d < 100; d++) h = add(h, h);
    h.backward();
    expect(z.grad!.item()).toBe(2 ** 100);
    // The seed's x₂: two paths back through w, summed.
    const x2 = scalar(0.7, { requiresGrad: true });
    const w12 = scalar(0.4), w22 = scalar(-0.3), u1 = scalar(0.9), u2 = scalar(-0.2), target = scalar(0.25);
    const out = add(mul(mul(x2, w12), u1), mul(mul(x2, w22), u2));
    const loss = mul(pow(sub(target, out), 2), 1);
    loss.backward();
    const o = 0.7 * 0.4 * 0.9 + 0.7 * -0.3 * -0.2;
    expect(x2.grad!.item()).toBeCloseTo(-2 * (0.25 - o) * (0.4 * 0.9 + -0.3 * -0.2), 5);
    // valueAndGrad records its graph even when called under noGrad.
    const two = scalar(2);
    const [g] = noGrad(() => grad((a: Tensor) => add(mul(a, 3), mul(a, a)))(two));
    expect(g.item()).toBe(7);
    expect(checkGradients((a: Tensor) => add(mul(a, 3), mul(a, a)), [two]).maxError).toBeLessThan(1e-3);
  });
});

describe('disposed tensors (item 2)', () => {
  it('every method that reads memory throws WASMGRAD_DISPOSED, and op inputs are checked before allocating', () => {
    const t = tensor([1, 2], { name: 't', requiresGrad: true });
    const other = tensor([3, 4]);
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(t.grad).toBeNull();
    for (const [name, call] of [
      ['Tensor.dataSync', () => t.dataSync()], ['Tensor.toArray', () => t.toArray()], ['Tensor.item', () => t.item()],
      ['Tensor.zeroGrad', () => t.zeroGrad()], ['add', () => t.add(other)], ['add', () => other.add(t)], ['mul', () => t.mul(2)],
      ['sum', () => t.sum()], ['reshape', () => t.reshape([1, 2])], ['backward', () => backward(t)], ['valueAndGrad', () => grad((a: Tensor) => a.sum())(t)],
      ['trace', () => trace(t)],
    ] as const) {
      const leaked = leakedBy(() => expectCoded(call, 'WASMGRAD_DISPOSED', /tensor t has been disposed/));
      expect(leaked, name).toBe(0);
    }
    expect(() => t.dispose()).not.toThrow();
    other.dispose();
  });

  it('fields that decide which memory a tensor touches cannot be changed, and the constructor is internal', () => {
    const t = tensor([1, 2, 3]);
    const writable = t as unknown as Record<string, unknown>;
    for (const field of ['ptr', 'size', 'shape', 'backend', 'inputs', 'requiresGrad', 'grad', 'id']) {
      expect(() => { writable[field] = 0; }, field).toThrow(TypeError);
    }
    expect(() => (t.shape as number[]).push(1)).toThrow(TypeError);
    expect(t.neg().dataSync()).toEqual(new Float32Array([-1, -2, -3]));
    expectCoded(() => new (Tensor as unknown as new (...args: unknown[]) => Tensor)([1000], 0, 'wasm', { requiresGrad: false, op: 'leaf' }),
      'WASMGRAD_INVALID_ARGUMENT', /Tensor: the constructor is internal/);
    t.dispose();
  });

  it('a gradient the caller disposed reads as none and the next backward starts afresh', () => {
    const x = scalar(2, { requiresGrad: true });
    x.mul(x).backward();
    x.grad!.dispose();
    expect(x.grad).toBeNull();
    x.mul(3).backward();
    expect(x.grad!.item()).toBe(3);
  });
});
