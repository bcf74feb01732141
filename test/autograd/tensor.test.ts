/** Tensors: creation, errors, accumulation, and memory that stays flat under tidy(). */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, l2Loss, scalar, sequential, sgd, tensor, tidy, zeros, ones, type Tensor } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

describe('making tensors', () => {
  it('from nested arrays, from a Float32Array and a shape, scalars, zeros and ones', () => {
    const W = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    expect(W.shape).toEqual([2, 2]);
    expect(W.toArray()).toEqual([[1, 2], [3, 4]]);
    const flat = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    expect(flat.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(scalar(2.5).toArray()).toBe(2.5);
    expect(scalar(2.5).shape).toEqual([]);
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2]).dataSync()).toEqual(new Float32Array([1, 1]));
  });

  it('refuses ragged arrays, a wrong shape for the data and bad options, naming them', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/values\[1\] has shape \[1\], expected \[2\]/);
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(/shape \[2, 3\] holds 6 values, but values has 5/);
    expect(() => tensor(new Float32Array(4))).toThrow(/shape must be an array of dimensions/);
    expect(() => tensor([[1, NaN]])).toThrow(/values\[0\]\[1\] must be a finite number, got NaN/);
    expect(() => scalar(1, { backend: 'gpu' as never })).toThrow(/options.backend must be one of "wasm", "js"/);
    expect(() => zeros([2, 0])).toThrow(/shape\[1\] must be a positive integer/);
    expect(() => tensor([1], { requiresGrads: true } as never)).toThrow(/tensor: options.requiresGrads must be one of the known options \(requiresGrad, name, backend\)/);
    expect(() => tensor([1], [1])).toThrow(/tensor: shape must be omitted for nested arrays/);
  });

  it('names are strings; nested arrays may pass their options third', () => {
    const t = tensor([1, 2], undefined, { name: 'v' });
    expect(t.name).toBe('v');
    t.name = 'w';
    expect(t.label()).toBe('w');
    expect(() => { t.name = 3 as never; }).toThrow(/Tensor.name: value must be a string or undefined, got 3/);
    t.dispose();
  });
});

describe('errors in the graph', () => {
  it('shape mismatches name both shapes', () => {
    expect(() => tensor([[1, 2, 3]]).add(tensor([[1, 2]]))).toThrow(/add: shapes \[1, 3\] and \[1, 2\] cannot be broadcast together/);
    expect(() => tensor([[1, 2, 3]]).matmul(tensor([[1, 2]]))).toThrow(/matmul: needs 2-D operands m×k and k×n, got shapes \[1, 3\] and \[1, 2\]/);
    expect(() => tensor([[1, 2, 3]]).reshape([2, 2])).toThrow(/reshape: shape \[2, 2\] holds 4 values, but the tensor of shape \[1, 3\] has 3/);
    expect(() => tensor([[1, 2]]).sum(2)).toThrow(/sum: axis must be an integer axis of a rank-2 tensor \(from -2 to 1\)/);
    expect(() => l2Loss(tensor([[1, 2]]), tensor([[1], [2]]))).toThrow(/l2Loss: outputs and targets must have the same shape, got \[1, 2\] and \[2, 1\]/);
  });

  it('backward on a non-scalar without a seed says so; with a seed of its shape it works', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true, name: 'x' });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/has shape \[3\], not a scalar; pass the gradient to start from, of the same shape: backward\(seed\)/);
    expect(() => y.backward(tensor([1, 1]))).toThrow(/seed must be a tensor of shape \[3\]/);
    y.backward(tensor([1, 10, 100]));
    expect(x.grad!.toArray()).toEqual([2, 20, 200]);
  });

  it('backward on a constant says there is nothing to differentiate', () => {
    expect(() => scalar(3).mul(2).backward()).toThrow(/does not depend on any tensor with requiresGrad: true/);
  });

  it('ops on disposed tensors throw, naming the op and the tensor', () => {
    const x = scalar(1, { name: 'x' });
    x.dispose();
    expect(() => x.add(1)).toThrow(/add: tensor x has been disposed/);
    expect(() => x.dataSync()).toThrow(/Tensor.dataSync: tensor x has been disposed/);
    const a = scalar(2, { requiresGrad: true }), b = a.mul(a);
    a.dispose();
    expect(() => b.backward()).toThrow(/has been disposed/);
  });
});

describe('gradient accumulation', () => {
  it('a second backward without zeroGrad adds to the leaves\' gradients; zeroGrad resets', () => {
    const x = scalar(3, { requiresGrad: true });
    const y = x.mul(x); // dy/dx = 2x = 6
    y.backward();
    expect(x.grad!.item()).toBe(6);
    y.backward();
    expect(x.grad!.item()).toBe(12);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    y.backward();
    expect(x.grad!.item()).toBe(6);
  });

  it('a node used twice receives the sum of both uses (x + x, x·x)', () => {
    const x = scalar(5, { requiresGrad: true });
    x.add(x).mul(x).backward(); // d(2x·x)/dx = 4x = 20
    expect(x.grad!.item()).toBe(20);
  });
});

describe('memory', () => {
  it('tidy frees every intermediate except what it returns', () => {
    const heap = runtime().heap;
    const before = heap.liveBlocks;
    const kept = tidy(() => {
      const a = tensor([1, 2, 3]);
      const b = a.mul(2).add(1).exp();
      return { b, list: [a.sum()] };
    });
    expect(heap.liveBlocks).toBe(before + 2);
    expect(kept.b.toArray()).toEqual([3, 5, 7].map((v) => Math.fround(Math.exp(v))));
    kept.b.dispose();
    kept.list[0].dispose();
    expect(heap.liveBlocks).toBe(before);
  });

  it('a training loop written with the graph holds linear memory flat over 1,000 steps', () => {
    const heap = runtime().heap;
    const x = tensor(new Float32Array(8 * 3).map((_, i) => Math.sin(i)), [8, 3]);
    const t = tensor(new Float32Array(8 * 2).map((_, i) => (i % 2 ? 0.2 : 0.8)), [8, 2]);
    let w = tensor(new Float32Array(3 * 2).fill(0.1), [3, 2], { requiresGrad: true });
    let b = zeros([2], { requiresGrad: true });
    const step = () => {
      const loss = tidy(() => {
        const l = l2Loss(x.matmul(w).add(b).sigmoid(), t);
        l.backward();
        const nextW = w.sub(w.grad!.mul(0.5)), nextB = b.sub(b.grad!.mul(0.5));
        return { value: l.item(), nextW, nextB };
      });
      w.dispose(); b.dispose();
      w = tensor(loss.nextW.dataSync(), [3, 2], { requiresGrad: true });
      b = tensor(loss.nextB.dataSync(), [2], { requiresGrad: true });
      loss.nextW.dispose(); loss.nextB.dispose();
      return loss.value;
    };
    const first = step();
    for (let i = 0; i < 10; i++) step();
    const blocks = heap.liveBlocks, bytes = heap.liveBytes, memory = heap.memoryBytes;
    let last = first;
    for (let i = 0; i < 1000; i++) last = step();
    expect(heap.liveBlocks).toBe(blocks);
    expect(heap.liveBytes).toBe(bytes);
    expect(heap.memoryBytes).toBe(memory);
    expect(last).toBeLessThan(first / 2);
  });
});

describe('the graph and the fused network agree', () => {
  it.each(['wasm', 'js'] as const)('the seed\'s 2-3-2 sigmoid network built from graph ops gives net.gradients (%s)', (backend) => {
    const w = [[0.1, 0.4, -0.3], [0.8, -0.6, 0.2]], b1 = [0.05, -0.1, 0.2];
    const u = [[0.3, -0.9], [0.7, 0.5], [-0.4, 0.6]], b2 = [0.1, -0.2];
    const inputs = [[0.35, 0.9], [-0.2, 0.4], [1, -1]], targets = [[0.5, 0.1], [0.9, 0.2], [0, 1]];
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 1, backend });
    net.setWeights([{ weights: w, bias: b1 }, { weights: u, bias: b2 }]);
    const fused = net.gradients(inputs, targets);
    const params = [tensor(w, { requiresGrad: true, backend }), tensor(b1, { requiresGrad: true, backend }),
      tensor(u, { requiresGrad: true, backend }), tensor(b2, { requiresGrad: true, backend })];
    tidy(() => {
      const [W, B1, U, B2] = params;
      const h = tensor(inputs, { backend }).matmul(W).add(B1).sigmoid();
      const y = h.matmul(U).add(B2).sigmoid();
      const loss = l2Loss(y, tensor(targets, { backend }));
      expect(loss.item()).toBeCloseTo(net.evaluate(inputs, targets).loss, 6);
      loss.backward();
    });
    const close = (a: number[][], b: number[][]) => a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 6)));
    close(params[0].grad!.toArray() as number[][], fused[0].weights);
    close([params[1].grad!.toArray() as number[]], [fused[0].bias]);
    close(params[2].grad!.toArray() as number[][], fused[1].weights);
    close([params[3].grad!.toArray() as number[]], [fused[1].bias]);
    params.forEach((p: Tensor) => p.dispose());
    net.dispose();
  });
});
