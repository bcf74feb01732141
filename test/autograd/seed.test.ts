/**
 * The chain-rule seed (shared/seeds/000_c4ba8db279678d3a.txt) through the
 * graph: y = 2x + 4, z = (3x + 4y)³, and the sum over paths of its last note.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { grad, scalar, tensor, tidy, toDot, trace } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

describe.each(['wasm', 'js'] as const)('the seed\'s graphs (%s backend)', (backend) => {
  it.each([-3, -0.5, 0, 1.25, 7])('y = 2x + 4 has dy/dx = 2 at x = %d', (x0) => {
    tidy(() => {
      const x = scalar(x0, { requiresGrad: true, backend });
      const y = x.mul(2).add(4);
      expect(y.item()).toBeCloseTo(2 * x0 + 4, 5);
      y.backward();
      expect(x.grad!.item()).toBe(2);
      x.dispose();
    });
  });

  it.each([[2, 1], [0.5, -0.25], [-1, 0.3], [0.1, 0.2], [3, -2.5]])('z = (3x + 4y)³ at x = %d, y = %d: dz/dx = 9(3x+4y)², dz/dy = 12(3x+4y)²', (x0, y0) => {
    const inner = 3 * x0 + 4 * y0;
    const [dx, dy] = grad((x, y) => x.mul(3).add(y.mul(4)).pow(3))(scalar(x0, { backend }), scalar(y0, { backend }));
    expect(dx.item()).toBeCloseTo(9 * inner ** 2, 3);
    expect(dy.item()).toBeCloseTo(12 * inner ** 2, 3);
    expect(Math.abs(dx.item() - 9 * inner ** 2)).toBeLessThanOrEqual(2e-6 * 9 * inner ** 2 + 1e-6);
    dx.dispose();
    dy.dispose();
  });

  it('the gradient reaching an input by two paths is the sum of both (the seed\'s last note)', () => {
    // A linear network: x (2) → h = x·W¹ (2 units) → ŷ = h·W² (1 unit); L = (y - ŷ)².
    const w1 = [[0.3, -0.7], [0.5, 0.9]];
    const w2 = [[1.5], [-0.4]];
    const x0 = [0.8, -1.2], target = 2;
    const x = tensor([x0], { requiresGrad: true, backend });
    const W1 = tensor(w1, { backend }), W2 = tensor(w2, { backend });
    const yHat = x.matmul(W1).matmul(W2);
    const loss = yHat.sub(target).pow(2).sum();
    loss.backward();
    const predicted = [0, 1].reduce((s, j) => s + (x0[0] * w1[0][j] + x0[1] * w1[1][j]) * w2[j][0], 0);
    // Each path x₂ → h_j → ŷ carries -2 w²_j w¹_2j (y - ŷ); the gradient is their sum.
    const paths = [0, 1].map((j) => -2 * w2[j][0] * w1[1][j] * (target - predicted));
    const [[, dx2]] = x.grad!.toArray() as number[][];
    expect(dx2).toBeCloseTo(paths[0] + paths[1], 5);
    expect(Math.abs(paths[0])).toBeGreaterThan(0.1);
    expect(Math.abs(paths[1])).toBeGreaterThan(0.1);
    [x, W1, W2, yHat, loss].forEach((t) => t.dispose());
  });

  it('trace and toDot show the seed\'s z = (3x + 4y)³ node by node with values and gradients', () => {
    const x = scalar(2, { requiresGrad: true, name: 'x', backend }), y = scalar(1, { requiresGrad: true, name: 'y', backend });
    const threeX = x.mul(3), fourY = y.mul(4), sum = threeX.add(fourY), z = sum.pow(3);
    threeX.name = '3x'; fourY.name = '4y'; sum.name = '3x+4y'; z.name = 'z';
    z.backward();
    const lines = trace(z).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.find((l) => l.startsWith('x '))).toMatch(/leaf \(requires grad\).*value 2\b.*grad 900\b/);
    expect(lines.find((l) => l.startsWith('y '))).toMatch(/value 1\b.*grad 1200\b/);
    expect(lines.find((l) => l.startsWith('3x '))).toMatch(/mul × 3 ← x .*value 6\b.*grad 300\b/);
    expect(lines.find((l) => l.startsWith('4y '))).toMatch(/mul × 4 ← y .*value 4\b.*grad 300\b/);
    expect(lines.find((l) => l.startsWith('3x+4y'))).toMatch(/add ← 3x, 4y .*value 10\b.*grad 300\b/);
    expect(lines.at(-1)).toMatch(/^z +pow \^ 3 ← 3x\+4y .*value 1000\b.*grad 1$/);
    const dot = toDot(z);
    expect(dot).toMatch(/^digraph wasmgrad \{/);
    expect(dot.match(/->/g)).toHaveLength(5);
    expect(dot).toContain('grad 900');
    [x, y, threeX, fourY, sum, z].forEach((t) => t.dispose());
  });
});
