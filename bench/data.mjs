/**
 * Seeded synthetic datasets. Every contender trains on the very same bytes,
 * and every run of the bench sees the same data, so numbers are comparable
 * across machines and across commits.
 */

/** mulberry32: tiny, fast, good enough for data (not for the library's own weights). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

function uniformMatrix(random, rows, cols, low, high) {
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = low + (high - low) * random();
  return m;
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/**
 * Inputs uniform in [0, 1); targets in (0, 1) from a fixed random sigmoid
 * teacher network (inputs → teacherHidden → outputs). A learnable target,
 * unlike pure noise, is what lets "the loss falls" be a real check even at
 * lr 0.5 and batch 1, where SGD on noise can end above where it started.
 */
export function sigmoidTeacherData({ samples, inputs, outputs, teacherHidden = 4, scale = 4, seed }) {
  const random = seededRandom(seed);
  const x = uniformMatrix(random, samples, inputs, 0, 1);
  const w1 = uniformMatrix(random, inputs, teacherHidden, -scale, scale);
  const b1 = uniformMatrix(random, 1, teacherHidden, -scale / 2, scale / 2);
  const w2 = uniformMatrix(random, teacherHidden, outputs, -scale, scale);
  const b2 = uniformMatrix(random, 1, outputs, -scale / 2, scale / 2);
  const t = new Float32Array(samples * outputs);
  const h = new Float64Array(teacherHidden);
  for (let r = 0; r < samples; r++) {
    for (let j = 0; j < teacherHidden; j++) {
      let z = b1[j];
      for (let k = 0; k < inputs; k++) z += x[r * inputs + k] * w1[k * teacherHidden + j];
      h[j] = sigmoid(z);
    }
    for (let j = 0; j < outputs; j++) {
      let z = b2[j];
      for (let k = 0; k < teacherHidden; k++) z += h[k] * w2[k * outputs + j];
      t[r * outputs + j] = sigmoid(z);
    }
  }
  return { samples, inputs, outputs, x, t };
}

/**
 * Inputs uniform in [0, 1) (like normalised pixels); one-hot targets from the
 * argmax of a fixed random linear teacher on the centred inputs. Centring
 * keeps the classes roughly balanced; a linear teacher is learnable by an MLP.
 */
export function oneHotTeacherData({ samples, inputs, classes, seed }) {
  const random = seededRandom(seed);
  const x = uniformMatrix(random, samples, inputs, 0, 1);
  const w = uniformMatrix(random, inputs, classes, -1, 1);
  const t = new Float32Array(samples * classes);
  const logits = new Float64Array(classes);
  for (let r = 0; r < samples; r++) {
    logits.fill(0);
    for (let k = 0; k < inputs; k++) {
      const xc = x[r * inputs + k] - 0.5;
      for (let j = 0; j < classes; j++) logits[j] += xc * w[k * classes + j];
    }
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[j] > logits[best]) best = j;
    t[r * classes + best] = 1;
  }
  return { samples, inputs, outputs: classes, x, t };
}

/** `data` as in-memory batches of `batchSize` rows: row-major subarrays of x and t (no copy), as fitDataset takes them. */
export function rowBatches({ samples, inputs, outputs, x, t }, batchSize) {
  const batches = [];
  for (let r = 0; r < samples; r += batchSize) {
    const end = Math.min(r + batchSize, samples);
    batches.push({ xs: x.subarray(r * inputs, end * inputs), ys: t.subarray(r * outputs, end * outputs) });
  }
  return batches;
}
