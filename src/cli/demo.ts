/**
 * `npm start`: what wasmgrad does, in two parts.
 *
 * Part 1 is the seed's 2-3-2 sigmoid network with L2 loss: every number of
 * one forward and backward pass is computed here by hand, in plain float64
 * arithmetic and the seed's notation (a¹, h, a², y, δ_j, u_ij, w_ij), and put
 * next to what the library's kernels (float32) return. Then one SGD step is
 * checked against u ← u − η ∂L/∂u.
 *
 * Part 2 trains a 4-8-3 sigmoid network on Iris with both backends (WebAssembly
 * SIMD and pure TypeScript), from the same seed, and compares them.
 *
 * Exit code 1 if the hand-computed gradients disagree or Iris training
 * accuracy is below 95%.
 */
import { init, sequential, dense, sgd, Standardizer, type LayerWeights } from '../index.node.js';
import { irisData, IRIS_SPECIES } from '../data/iris.js';
import { bold, diff, dim, duration, green, heading, num, percent, Progress, rate, red, table, vec } from './format.js';

const sigma = (z: number) => 1 / (1 + Math.exp(-z));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const ok = (good: boolean, text: string) => (good ? green(`✓ ${text}`) : red(`✗ ${text}`));

/** Hand and library agree up to float32 rounding (~1e-7 relative); far above that is a bug. */
const GRADIENT_TOLERANCE = 1e-6;
const IRIS_TARGET_ACCURACY = 0.95;

let failed = false;

// ─── Part 1 ────────────────────────────────────────────────────────────────

function part1(): void {
  console.log(heading('Part 1 · One backpropagation step of the 2-3-2 sigmoid network from the backpropagation notes, by hand and by wasmgrad'));

  // Readable weights, in×out as in a = x·w + b: w_ij joins input i to hidden j, u_jk hidden j to output k.
  const x = [0.5, 0.9];
  const t = [1, 0];
  const w = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]];
  const b1 = [0.1, 0.1, 0.1];
  const u = [[0.7, 0.8], [0.9, 1.0], [1.1, 1.2]];
  const b2 = [0.1, 0.1];
  const eta = 0.5;

  console.log(`  x = ${vec(x, 1)}   t = ${vec(t, 0)}   η = ${eta}   σ(z) = 1 / (1 + e^−z)   L = ½ Σ_j (y_j − t_j)²`);
  console.log(`  w = [${w.map((row) => vec(row, 1)).join(', ')}]   b¹ = ${vec(b1, 1)}   ${dim('(input → hidden, 2×3)')}`);
  console.log(`  u = [${u.map((row) => vec(row, 1)).join(', ')}]   b² = ${vec(b2, 1)}   ${dim('(hidden → output, 3×2)')}`);

  const net = sequential({
    inputSize: 2,
    layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })],
    loss: 'l2', optimizer: sgd({ learningRate: eta }), seed: 42, backend: 'wasm',
  });
  net.setWeights([{ weights: w, bias: b1 }, { weights: u, bias: b2 }]);

  // Forward pass, the seed's a¹ = x·w + b¹, h = σ(a¹), a² = h·u + b², y = σ(a²).
  const a1 = b1.map((b, j) => b + sum(x.map((xi, i) => xi * w[i][j])));
  const h = a1.map(sigma);
  const a2 = b2.map((b, k) => b + sum(h.map((hj, j) => hj * u[j][k])));
  const y = a2.map(sigma);
  const loss = 0.5 * sum(y.map((yj, j) => (yj - t[j]) ** 2));
  const yNet = net.predict([x])[0];
  const lossNet = net.evaluate([x], [t]).loss;

  const byHand = (value: string) => value.padEnd(34);
  console.log(`\n  ${bold('Forward pass')}         ${dim(byHand('by hand'))}${dim('wasmgrad')}`);
  console.log(`  a¹ = x·w + b¹      = ${vec(a1)}`);
  console.log(`  h  = σ(a¹)         = ${vec(h)}`);
  console.log(`  a² = h·u + b²      = ${vec(a2)}`);
  console.log(`  y  = σ(a²)         = ${byHand(vec(y))}net.predict  → ${vec(yNet)}`);
  console.log(`  L  = ½ Σ (y − t)²  = ${byHand(num(loss).trim())}net.evaluate → ${num(lossNet).trim()}`);

  // Output layer: δ_j = ∂L/∂y_j · ∂y_j/∂a²_j = (y_j − t_j) · y_j (1 − y_j), and ∂L/∂u_ij = δ_j h_i.
  const delta = y.map((yj, j) => (yj - t[j]) * yj * (1 - yj));
  // Hidden layer: h_j reaches every output, so its share of the error is Σ_k δ_k u_jk;
  // then ∂L/∂w_ij = Σ_k δ_k u_jk · h_j (1 − h_j) · x_i.
  const back = h.map((_, j) => sum(delta.map((dk, k) => dk * u[j][k])));
  const hidden = h.map((hj, j) => back[j] * hj * (1 - hj)); // ∂L/∂a¹_j, also ∂L/∂b¹_j

  console.log(`\n  ${bold('Output layer')}   δ_j = (y_j − t_j) · y_j (1 − y_j)      δ = ${vec(delta)}`);
  console.log(`  ${bold('Hidden layer')}   Σ_k δ_k u_jk  (error reaching h_j)    = ${vec(back)}`);

  const grads = net.gradients([x], [t]);
  const [gradW, gradU] = grads;
  // One row per parameter: name, the seed's formula, the hand value, the library's value.
  const rows: [string, string, number, number][] = [];
  u.forEach((row, i) => row.forEach((_, j) => rows.push([`u_${i + 1}${j + 1}`, `δ_${j + 1} · h_${i + 1}`, delta[j] * h[i], gradU.weights[i][j]])));
  b2.forEach((_, j) => rows.push([`b²_${j + 1}`, `δ_${j + 1}`, delta[j], gradU.bias[j]]));
  w.forEach((row, i) => row.forEach((_, j) => rows.push([`w_${i + 1}${j + 1}`,
    `Σ_k δ_k u_${j + 1}k · h_${j + 1}(1 − h_${j + 1}) · x_${i + 1}`, hidden[j] * x[i], gradW.weights[i][j]])));
  b1.forEach((_, j) => rows.push([`b¹_${j + 1}`, `Σ_k δ_k u_${j + 1}k · h_${j + 1}(1 − h_${j + 1})`, hidden[j], gradW.bias[j]]));

  console.log(`\n  ${bold('Gradients')}  ∂L/∂θ, by hand (float64) vs net.gradients() (float32 kernels)\n`);
  console.log(table(['θ', 'formula', 'by hand', 'net.gradients()', 'difference'],
    rows.map(([name, formula, hand, lib]) => [name, dim(formula), num(hand, 8), num(lib, 8), diff(lib - hand)]), 'llrrr'));
  const maxGradDiff = Math.max(...rows.map(([, , hand, lib]) => Math.abs(lib - hand)), Math.abs(lossNet - loss));
  const gradientsAgree = maxGradDiff < GRADIENT_TOLERANCE;
  console.log(`\n  ${ok(gradientsAgree, `largest difference over all ${rows.length} gradients and L: ${diff(maxGradDiff)}`)}`
    + dim('  (float32 rounding)'));
  if (!gradientsAgree) failed = true;

  // One SGD step on this single sample must move every parameter by exactly −η ∂L/∂θ.
  const before = net.getWeights();
  const history = net.fitSync([x], [t], { epochs: 1, batchSize: 1, shuffle: false });
  const after = net.getWeights();
  const lossAfter = net.evaluate([x], [t]).loss;
  const params = [...flatten('u', 'b²', before[1], after[1], grads[1]), ...flatten('w', 'b¹', before[0], after[0], grads[0])];

  console.log(`\n  ${bold('One SGD step')}  net.fitSync([x], [t], { epochs: 1, batchSize: 1, shuffle: false }), θ ← θ − η ∂L/∂θ`);
  console.log(`  ${dim('(a few of the 17 parameters; values as stored, in float32: 0.6 reads back as 0.60000002)')}\n`);
  const shown = ['u_11', 'u_32', 'b²_1', 'w_11', 'w_23', 'b¹_3'];
  console.log(table(['θ', 'before', 'after', 'Δθ = after − before', '−η · ∂L/∂θ', 'difference'],
    params.filter((p) => shown.includes(p.name)).map((p) => [
      p.name, num(p.before, 8), num(p.after, 8), num(p.after - p.before, 8), num(-eta * p.grad, 8), diff(p.after - p.before + eta * p.grad),
    ])));
  const maxStepDiff = Math.max(...params.map((p) => Math.abs(p.after - p.before + eta * p.grad)));
  // The kernels store θ − η·g in float32, so redoing that rounding here should match bit for bit.
  const bitExact = params.filter((p) => Math.fround(p.before - Math.fround(eta * p.grad)) === p.after).length;
  console.log(`\n  ${ok(maxStepDiff < GRADIENT_TOLERANCE, `largest |Δθ + η ∂L/∂θ| over all ${params.length} parameters: ${diff(maxStepDiff)}`)}`
    + dim('  (the new weights are stored as float32)'));
  console.log(`  ${ok(bitExact === params.length, `${bitExact}/${params.length} parameters equal float32(θ − η ∂L/∂θ) bit for bit`)}`);
  console.log(`  ${ok(lossAfter < loss, `loss on this sample: ${num(history.loss[0]).trim()} before the step → ${num(lossAfter).trim()} after`)}`);
  if (maxStepDiff >= GRADIENT_TOLERANCE) failed = true;
  net.dispose();
}

interface Param { name: string; before: number; after: number; grad: number }

/** One layer's weights and bias as named scalars: w_ij (1-based, as in the seed), then b_j. */
function flatten(weight: string, bias: string, before: LayerWeights, after: LayerWeights, grad: LayerWeights): Param[] {
  const params: Param[] = [];
  before.weights.forEach((row, i) => row.forEach((value, j) => params.push(
    { name: `${weight}_${i + 1}${j + 1}`, before: value, after: after.weights[i][j], grad: grad.weights[i][j] })));
  before.bias.forEach((value, j) => params.push({ name: `${bias}_${j + 1}`, before: value, after: after.bias[j], grad: grad.bias[j] }));
  return params;
}

// ─── Part 2 ────────────────────────────────────────────────────────────────

const HIDDEN_UNITS = 8;
const LEARNING_RATE = 1;
const BATCH_SIZE = 8;
const EPOCHS = 200;
const SEED = 42;

interface RunResult {
  backend: 'wasm' | 'js';
  loss: number;
  correct: number;
  ms: number;
  predicted: number[];
  weights: LayerWeights[];
}

async function part2(): Promise<void> {
  console.log(heading('Part 2 · Iris: 150 flowers, 4 measurements (cm), 3 species'));

  const { inputs: raw, labels, oneHot } = irisData();
  // Standardize each feature to mean 0, std 1 (the library's Standardizer): sigmoid units saturate on raw centimetres
  // (petal length up to 6.9).
  const scaler = Standardizer.fit(raw);
  const inputs = scaler.transform(raw);
  const [mean, std] = [[...scaler.mean], [...scaler.std]];

  console.log(`  features standardized, x ← (x − mean) / std:  mean = ${vec(mean, 3)}  std = ${vec(std, 3)}`);
  console.log(`  targets one-hot (setosa = [1, 0, 0] …); prediction = the species with the largest output`);
  console.log(`  network 4-${HIDDEN_UNITS}-3 sigmoid, L2 loss, SGD η = ${LEARNING_RATE}, batch ${BATCH_SIZE}, ${EPOCHS} epochs, seed ${SEED}\n`);

  // A short untimed run per backend first, so JIT compilation is not billed to whichever backend goes first.
  for (const backend of ['wasm', 'js'] as const) {
    const warm = makeIrisNet(backend);
    warm.fitSync(inputs, oneHot, { epochs: 5, batchSize: BATCH_SIZE });
    warm.dispose();
  }

  const results: RunResult[] = [];
  for (const backend of ['wasm', 'js'] as const) {
    const net = makeIrisNet(backend);
    const progress = new Progress(backend, EPOCHS);
    const started = performance.now();
    await net.fit(inputs, oneHot, {
      epochs: EPOCHS, batchSize: BATCH_SIZE, shuffle: true,
      onEpochEnd: (epoch, logs) => progress.update(epoch + 1, logs.loss),
    });
    const ms = performance.now() - started;
    const predicted = net.predict(inputs).map(argmax);
    const correct = predicted.filter((p, i) => p === labels[i]).length;
    results.push({ backend, loss: net.evaluate(inputs, oneHot).loss, correct, ms, predicted, weights: net.getWeights() });
    console.log(`        training accuracy ${bold(percent(correct / labels.length))} (${correct}/${labels.length}) in ${duration(ms)}`);
    net.dispose();
  }

  const samples = EPOCHS * labels.length;
  console.log(`\n  ${bold('Backends')}  ${dim(`(${EPOCHS} epochs × ${labels.length} samples = ${samples} samples trained; loss = net.evaluate after training)`)}\n`);
  console.log(table(['backend', 'final loss', 'accuracy', 'time', 'samples/s'], results.map((r) => [
    r.backend === 'wasm' ? 'wasm (SIMD)' : 'js (pure TS)', r.loss.toFixed(6), percent(r.correct / labels.length), duration(r.ms), rate(samples / (r.ms / 1000)),
  ])));
  const [wasm, js] = results;
  console.log(`\n  wasm trained ${bold(`${(js.ms / wasm.ms).toFixed(2)}×`)} as fast as js ${dim('(wall time of net.fit; a 4-8-3 network is tiny, so expect noise)')}`);

  const sameAccuracy = wasm.correct === js.correct;
  const disagreements = wasm.predicted.filter((p, i) => p !== js.predicted[i]).length;
  const weightGap = Math.max(...wasm.weights.flatMap((layer, l) => [
    ...layer.weights.flatMap((row, i) => row.map((v, j) => Math.abs(v - js.weights[l].weights[i][j]))),
    ...layer.bias.map((v, j) => Math.abs(v - js.weights[l].bias[j])),
  ]));
  console.log(`  ${sameAccuracy
    ? green(`✓ both backends got the same accuracy (${wasm.correct}/${labels.length})`)
    : `${bold('!')} accuracy differs: wasm ${wasm.correct}/${labels.length}, js ${js.correct}/${labels.length}`}`
    + `; predictions differ on ${disagreements} flower${disagreements === 1 ? '' : 's'}; largest weight difference ${diff(weightGap)}`);

  console.log(`\n  ${bold('Confusion matrix')} ${dim('(wasm; rows: true species, columns: predicted)')}\n`);
  console.log(table(['', ...IRIS_SPECIES], IRIS_SPECIES.map((species, s) => [
    species, ...IRIS_SPECIES.map((_, p) => String(wasm.predicted.filter((q, i) => labels[i] === s && q === p).length)),
  ])));

  const low = results.filter((r) => r.correct / labels.length < IRIS_TARGET_ACCURACY);
  if (low.length > 0) {
    failed = true;
    for (const r of low) {
      console.log(`\n  ${red(`✗ FAILED: ${r.backend} reached ${percent(r.correct / labels.length)} training accuracy, below the ${percent(IRIS_TARGET_ACCURACY)} target`)}`);
    }
  } else {
    console.log(`\n  ${green(`✓ training accuracy ≥ ${percent(IRIS_TARGET_ACCURACY)} on both backends`)}`);
  }
}

function makeIrisNet(backend: 'wasm' | 'js') {
  return sequential({
    inputSize: 4,
    layers: [dense(HIDDEN_UNITS, { activation: 'sigmoid' }), dense(3, { activation: 'sigmoid' })],
    loss: 'l2', optimizer: sgd({ learningRate: LEARNING_RATE }), seed: SEED, backend,
  });
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

// ─── main ──────────────────────────────────────────────────────────────────

try {
  await init();
  console.log(bold('wasmgrad demo') + dim(' · neural networks trained by backpropagation, kernels in WebAssembly SIMD'));
  part1();
  await part2();
  console.log(failed ? `\n${red(bold('demo FAILED (see ✗ above)'))}` : `\n${green('demo finished: all checks passed')}`);
  process.exitCode = failed ? 1 : 0;
} catch (error) {
  console.error(red(`\ndemo crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`));
  process.exitCode = 1;
}
