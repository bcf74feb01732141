/**
 * Splitting samples into a training and a test set: seeded (src/random.ts's
 * generator, so the same seed gives the same split on every platform), and
 * optionally stratified, keeping each class's share in both parts. The CLI
 * holds out its validation rows with this.
 */
import { Random } from '../random.js';
import { shapeError } from '../errors.js';
import { argumentError, optionalBoolean, orDefault, plainObject, rejectUnknownKeys } from './validate.js';
import { isLabelArray } from './one-hot.js';

/** Per-sample data: an array of anything (rows, labels) or a typed array of labels or values. */
export type Samples<T = unknown> = readonly T[] | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array;

export interface TrainTestSplitOptions {
  /** The fraction of the samples held out for testing, in (0, 1); the count is rounded up. Default 0.2. */
  testFraction?: number;
  /** Choose the test samples at random (seeded) and shuffle both parts. Default true; false takes the last samples, in order. */
  shuffle?: boolean;
  /** Seeds the choice, an integer in [0, 2^32). Default: a random seed, as `sequential` does. */
  seed?: number;
  /**
   * Keep each class's share of the samples in both parts: `true` takes the
   * classes from `y` (integer labels, or one-hot rows by their largest
   * value), or pass the labels (`number[]` or an integer typed array, one per
   * sample). Needs `shuffle`. Default false.
   */
  stratify?: boolean | readonly number[] | ArrayLike<number>;
}

/** What trainTestSplit returns: each part in the form its input came in. */
export interface TrainTestSplit<X, Y> {
  xTrain: X;
  yTrain: Y;
  xTest: X;
  yTest: Y;
  /** The positions in the input of the training and of the test samples, in the order the parts hold them. */
  trainIndices: number[];
  testIndices: number[];
}

const WHERE = 'trainTestSplit';

/** The samples of `data` at `indices`: a typed array of the same kind, or an array holding the same rows (not copies). */
function take<S extends Samples>(data: S, indices: readonly number[]): S {
  if (Array.isArray(data)) return indices.map((i) => data[i]) as unknown as S;
  const typed = data as Exclude<Samples, readonly unknown[]>;
  const out = new (typed.constructor as new (n: number) => typeof typed)(indices.length);
  indices.forEach((from, to) => { out[to] = typed[from]; });
  return out as unknown as S;
}

/** The class of each sample for stratification: integer labels, or one-hot (or probability) rows by their argmax. */
function classesOf(stratify: unknown, y: Samples, n: number): Int32Array {
  const source = stratify === true ? y : stratify;
  const name = stratify === true ? 'y (options.stratify is true)' : 'options.stratify';
  if (!Array.isArray(source) && !ArrayBuffer.isView(source)) {
    throw argumentError(WHERE, 'options.stratify', 'true, false, or an array of class labels (one per sample)', source);
  }
  const values = source as ArrayLike<unknown>;
  if (values.length !== n) throw shapeError(`${WHERE}: ${name} has ${values.length} labels, expected one per sample (${n})`);
  const classes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const row = v as ArrayLike<number>;
      let best = 0;
      for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
      classes[i] = best;
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31) {
      classes[i] = v;
    } else {
      throw argumentError(WHERE, `${name === 'options.stratify' ? name : 'y'}[${i}]`, 'a class label (an integer ≥ 0) or a one-hot row', v);
    }
  }
  return classes;
}

/**
 * How many test samples each class gives so that the total is `total` and
 * each class's share is as close as it can be: floor of its exact share,
 * then one more to the classes with the largest remainders (ties: the
 * smaller class label), each class keeping at least one training sample
 * where it can.
 */
function allocate(counts: Map<number, number>, n: number, total: number): Map<number, number> {
  const entries = [...counts.entries()].sort((a, b) => a[0] - b[0]);
  const take = new Map(entries.map(([k, c]) => [k, Math.floor((c * total) / n)]));
  let left = total - [...take.values()].reduce((s, v) => s + v, 0);
  const byRemainder = entries.map(([k, c]) => ({ k, c, rest: (c * total) / n - Math.floor((c * total) / n) }))
    .sort((a, b) => b.rest - a.rest || a.k - b.k);
  for (const pass of [true, false]) {
    for (const { k, c } of byRemainder) {
      if (left === 0) break;
      const t = take.get(k) ?? 0;
      // First pass: only classes that keep a training sample; the second takes what is needed to reach the total.
      if (t < c && (!pass || t + 1 < c)) { take.set(k, t + 1); left--; }
    }
  }
  return take;
}

/**
 * Splits samples into a training and a test set:
 *
 * ```js
 * const { xTrain, yTrain, xTest, yTest } = trainTestSplit(inputs, labels, { testFraction: 0.2, seed: 1, stratify: true });
 * ```
 *
 * `x` and `y` hold one entry per sample, in the same order: arrays (of rows,
 * labels, anything) or typed arrays of per-sample values; each part comes
 * back in its input's form (arrays hold the same row objects, not copies).
 * The test set has ceil(n · testFraction) samples, and at least one sample
 * is left on each side, or it is an error. With `shuffle` (the default) the
 * choice is random, seeded with src/random.ts's generator; with
 * `shuffle: false` the last samples are the test set, in order (as
 * fit's `validationSplit` does, which is wrong for sorted data).
 * `stratify` keeps each class's share in both parts.
 *
 * Bad input throws WASMGRAD_INVALID_ARGUMENT (or WASMGRAD_SHAPE when the
 * lengths differ) before anything is computed.
 */
export function trainTestSplit<X extends Samples, Y extends Samples>(x: X, y: Y, options: TrainTestSplitOptions = {}): TrainTestSplit<X, Y> {
  const isSamples = isLabelArray; // an array, or a typed array of numbers (not a DataView or BigInt array)
  if (!isSamples(x)) throw argumentError(WHERE, 'x', 'an array of samples or a typed array', x);
  if (!isSamples(y)) throw argumentError(WHERE, 'y', 'an array of samples or a typed array', y);
  const n = x.length;
  if (y.length !== n) throw shapeError(`${WHERE}: x has ${n} samples and y ${y.length}; they must match`);
  const o = plainObject(WHERE, 'options', orDefault(options, {}));
  rejectUnknownKeys(WHERE, 'options', o, ['testFraction', 'shuffle', 'seed', 'stratify']);
  const fraction = orDefault(o.testFraction, 0.2);
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) throw argumentError(WHERE, 'options.testFraction', 'a number between 0 and 1', fraction);
  const shuffle = optionalBoolean(WHERE, 'options.shuffle', o.shuffle, true);
  const seed = orDefault(o.seed, Math.floor(Math.random() * 2 ** 32));
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw argumentError(WHERE, 'options.seed', 'an integer in [0, 2^32)', seed);
  const stratify = orDefault(o.stratify, false);
  if (stratify !== false && !shuffle) throw argumentError(WHERE, 'options.shuffle', 'true (or absent) when options.stratify is given', false);
  const testCount = Math.ceil(n * fraction);
  if (n < 2 || testCount >= n) {
    throw argumentError(WHERE, 'options.testFraction', `a fraction that leaves samples on both sides (${n} samples, ${testCount} for testing)`, fraction);
  }
  const classes = stratify === false ? null : classesOf(stratify, y, n);

  const random = new Random(seed);
  let testIndices: number[];
  let trainIndices: number[];
  if (!shuffle) {
    trainIndices = Array.from({ length: n - testCount }, (_, i) => i);
    testIndices = Array.from({ length: testCount }, (_, i) => n - testCount + i);
  } else if (classes === null) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    random.shuffle(order);
    testIndices = [...order.subarray(0, testCount)];
    trainIndices = [...order.subarray(testCount)];
  } else {
    const members = new Map<number, number[]>();
    classes.forEach((k, i) => { const list = members.get(k); if (list) list.push(i); else members.set(k, [i]); });
    const quota = allocate(new Map([...members].map(([k, list]) => [k, list.length])), n, testCount);
    const test = new Int32Array(testCount), train = new Int32Array(n - testCount);
    let t = 0, r = 0;
    for (const k of [...members.keys()].sort((a, b) => a - b)) {
      const order = Int32Array.from(members.get(k) as number[]);
      random.shuffle(order);
      const q = quota.get(k) ?? 0;
      test.set(order.subarray(0, q), t);
      train.set(order.subarray(q), r);
      t += q;
      r += order.length - q;
    }
    // Class by class above: mix the classes, or a fit without shuffling would see them in blocks.
    random.shuffle(test);
    random.shuffle(train);
    testIndices = [...test];
    trainIndices = [...train];
  }
  return {
    xTrain: take(x, trainIndices), yTrain: take(y, trainIndices), xTest: take(x, testIndices), yTest: take(y, testIndices),
    trainIndices, testIndices,
  };
}
