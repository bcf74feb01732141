/**
 * Micro-batched inference: many concurrent one-sample predict calls (a
 * service's requests) are queued and run as one batch, one matrix product per
 * layer instead of one vector product per call, which is where a batch gains
 * (the weights are read once per batch, not once per sample).
 *
 * Everything runs on the calling thread, between other JavaScript: a batch is
 * one synchronous net.predict. So during an async fit (which hands control back
 * about every 10 ms) a batch runs between two training slices, with the
 * weights of that moment; net.predict itself is allowed during a fit (it uses
 * the network's staging buffers, which training does not keep across slices).
 */
import { codedError, disposedError, shapeError } from '../errors.js';
import { toFloat32Vector } from './data.js';
import { onDispose } from './dispose-listeners.js';
import { Network } from './network.js';
import { now } from './training-shared.js';
import { argumentError, orDefault, plainObject, positiveInteger, rejectUnknownKeys } from './validate.js';

/** Options of {@link createPredictor}. */
export interface PredictorOptions {
  /** The most samples per batch: a full queue runs at once. Default 64. */
  maxBatch?: number;
  /** How long the first call of a batch waits for batch-mates, in milliseconds (a timer: 0 means the next turn of the event loop). Default 1. */
  maxDelayMs?: number;
}

/** Queue-wait percentiles in milliseconds: from a call's arrival to the start of its batch. */
export interface QueueWait {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** A snapshot of a predictor's counters (a new object at each read of `stats`). */
export interface PredictorStats {
  /** Calls that went into a batch (a sample refused on entry never does). */
  readonly calls: number;
  /** Batches run (each one net.predict). */
  readonly batches: number;
  /** calls / batches; 0 before the first batch. */
  readonly meanBatchSize: number;
  /** Calls queued now, waiting for their batch. */
  readonly pending: number;
  /** Over the last 4096 batched calls (nearest rank); all 0 before the first batch. */
  readonly queueWaitMs: QueueWait;
}

/** What {@link createPredictor} returns. */
export interface Predictor {
  /**
   * Queues one sample (`inputSize` numbers, finite as float32) and resolves
   * with its output row. A bad sample rejects this call only, at once
   * (WASMGRAD_SHAPE or WASMGRAD_INVALID_ARGUMENT, naming `x`); the sample is
   * copied, so the caller may reuse its array.
   */
  predict(x: readonly number[] | Float32Array): Promise<Float32Array>;
  /** Runs the queued calls now, then refuses new ones with WASMGRAD_CLOSED. Resolves once every queued call is settled. Idempotent. */
  close(): Promise<void>;
  /** Batches, mean batch size and queue-wait percentiles so far. */
  readonly stats: PredictorStats;
  /** True once close() was called. */
  readonly closed: boolean;
}

/** Wait times kept for the percentiles: the most recent ones, so a long-running service's stats follow its current load. */
const WAIT_WINDOW = 4096;
/** setTimeout's largest delay (a 32-bit signed count of ms); Node and browsers fire a larger one at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const CREATE = 'createPredictor';
const PREDICT = 'Predictor.predict';

interface Call {
  readonly resolve: (row: Float32Array) => void;
  readonly reject: (error: unknown) => void;
  readonly arrived: number;
}

/**
 * A predictor that batches concurrent one-sample calls to `net.predict`:
 * a batch runs when `maxBatch` calls are queued (inside the predict call that
 * fills it), or from a timer `maxDelayMs` after the first call of the batch
 * arrived. Each call resolves with its own row as a
 * Float32Array, equal to `net.predict` of that sample up to float32 rounding
 * (a batch may sum in another order than one row: within ~1e-6 relative).
 *
 * - A bad sample is refused on entry and rejects only its own call.
 * - `close()` runs what is queued, then later calls reject with WASMGRAD_CLOSED.
 * - `net.dispose()` rejects the queued calls at once, and later ones, with WASMGRAD_DISPOSED.
 * - During an async `fit` (or `fitDataset`), a batch runs between training
 *   steps, with the weights of that moment: a later batch may see later
 *   weights. Training hands control back about every 10 ms, so a call may
 *   wait that long. During `fitSync` only a batch filled from inside one of
 *   its callbacks runs; the rest wait until it returns.
 *
 * Works on every backend and on the threads build, where a batch's products,
 * once large enough, are split across the threads (a single row's are not).
 */
export function createPredictor(net: Network, options: PredictorOptions = {}): Predictor {
  if (!(net instanceof Network)) throw argumentError(CREATE, 'net', 'a Network (from sequential(), load() or fromJSON())', net);
  if (net.disposed) throw disposedError(`${CREATE}: the network has been disposed`);
  const o = plainObject(CREATE, 'options', options);
  rejectUnknownKeys(CREATE, 'options', o, ['maxBatch', 'maxDelayMs']);
  const maxBatch = positiveInteger(CREATE, 'options.maxBatch', orDefault(o.maxBatch, 64));
  const maxDelayMs = orDefault(o.maxDelayMs, 1);
  if (typeof maxDelayMs !== 'number' || !(maxDelayMs >= 0 && maxDelayMs <= MAX_DELAY_MS)) {
    throw argumentError(CREATE, 'options.maxDelayMs', `a finite number from 0 to ${MAX_DELAY_MS} (milliseconds)`, maxDelayMs);
  }
  return new BatchingPredictor(net, maxBatch, maxDelayMs);
}

class BatchingPredictor implements Predictor {
  readonly #net: Network;
  readonly #maxBatch: number;
  readonly #maxDelayMs: number;
  readonly #inputSize: number;
  readonly #outputSize: number;
  #queue: Call[] = [];
  /** The queued samples, row-major, in queue order; grown by doubling up to maxBatch rows. */
  #inputs: Float32Array;
  /** net.predict's `out` for a batch, reused (grown with #inputs): a batch allocates only its callers' rows. */
  #outputs: Float32Array;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #calls = 0;
  #batches = 0;
  readonly #waits = new Float64Array(WAIT_WINDOW);
  #waitCount = 0;
  readonly #stopListening: () => void;

  constructor(net: Network, maxBatch: number, maxDelayMs: number) {
    this.#net = net;
    this.#maxBatch = maxBatch;
    this.#maxDelayMs = maxDelayMs;
    this.#inputSize = net.inputSize;
    this.#outputSize = net.outputSize;
    this.#inputs = new Float32Array(Math.min(maxBatch, 16) * net.inputSize);
    this.#outputs = new Float32Array(Math.min(maxBatch, 16) * net.outputSize);
    this.#stopListening = onDispose(net, () => this.#rejectQueued());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): PredictorStats {
    const count = Math.min(this.#waitCount, WAIT_WINDOW);
    const sorted = this.#waits.slice(0, count).sort();
    const rank = (p: number) => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.ceil((p / 100) * count) - 1)]);
    return {
      calls: this.#calls,
      batches: this.#batches,
      meanBatchSize: this.#batches === 0 ? 0 : this.#calls / this.#batches,
      pending: this.#queue.length,
      queueWaitMs: { p50: rank(50), p90: rank(90), p99: rank(99) },
    };
  }

  predict(x: readonly number[] | Float32Array): Promise<Float32Array> {
    const queued = this.#queue.length;
    try {
      if (this.#closed) throw codedError('WASMGRAD_CLOSED', `${PREDICT}: this predictor is closed (close() was called)`);
      if (this.#net.disposed) throw disposedError(`${PREDICT}: the network has been disposed`);
      if ((queued + 1) * this.#inputSize > this.#inputs.length) this.#grow(Math.min(this.#maxBatch, 2 * (queued + 1)));
      // Checked straight into the next free row (a number[] is copied once); a bad sample leaves only that unused row written.
      checkSample(x, this.#inputs.subarray(queued * this.#inputSize, (queued + 1) * this.#inputSize));
    } catch (error) {
      return Promise.reject(error);
    }
    const answer = new Promise<Float32Array>((resolve, reject) => {
      this.#queue.push({ resolve, reject, arrived: now() });
    });
    if (this.#queue.length >= this.#maxBatch) this.#flush();
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.#flush(), this.#maxDelayMs);
    return answer;
  }

  /** Room for `rows` queued samples and their outputs, keeping the queued ones. */
  #grow(rows: number): void {
    const inputs = new Float32Array(rows * this.#inputSize);
    inputs.set(this.#inputs.subarray(0, this.#queue.length * this.#inputSize));
    this.#inputs = inputs;
    this.#outputs = new Float32Array(rows * this.#outputSize);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#flush();
      this.#stopListening();
    }
    return Promise.resolve();
  }

  /** Runs the queued calls as one batch (net.predict is synchronous: every call is settled on return). */
  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const calls = this.#queue;
    if (calls.length === 0) return;
    this.#queue = [];
    const started = now();
    const outputs = this.#outputs;
    try {
      this.#net.predict(this.#inputs.subarray(0, calls.length * this.#inputSize), outputs.subarray(0, calls.length * this.#outputSize));
    } catch (error) {
      // Every sample was checked on entry, so this is the batch's own failure (out of memory, a disposed network): all share it.
      for (const call of calls) call.reject(error);
      return;
    }
    this.#batches++;
    this.#calls += calls.length;
    const size = this.#outputSize;
    calls.forEach((call, i) => {
      this.#waits[this.#waitCount++ % WAIT_WINDOW] = started - call.arrived;
      // A copy per call: rows handed to different callers share no buffer.
      call.resolve(outputs.slice(i * size, (i + 1) * size));
    });
  }

  /** The network was disposed: the queued calls reject now, with what net.predict would throw. */
  #rejectQueued(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const calls = this.#queue;
    this.#queue = [];
    for (const call of calls) call.reject(disposedError(`${PREDICT}: the network was disposed before this call's batch ran`));
  }
}

/** Checks one sample of `row.length` (inputSize) values, finite as float32, and copies it into `row`. */
function checkSample(x: unknown, row: Float32Array): void {
  if ((Array.isArray(x) || x instanceof Float32Array) && x.length !== row.length) {
    throw shapeError(`${PREDICT}: x has ${x.length} values, expected ${row.length} (the network's inputSize; one sample per call)`);
  }
  toFloat32Vector(PREDICT, 'x', x, row.length, row);
}
