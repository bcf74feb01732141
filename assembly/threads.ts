// Assembly-only (no pure-TS twin: the js backend has no threads): the thread
// pool's side in wasm. In the threads build (shared memory, worker instances of
// this module running workerLoop) src/threads/pool.ts sets up a board and
// attaches it; the entry points in assembly/gemm.ts and assembly/sgd.ts post
// jobs to it. In the default build ASC_FEATURE_THREADS is false and no job is posted.
//
// The board is a small block of shared memory: the caller writes a job,
// bumps the generation and wakes the workers; each worker computes its slice
// with its own packing workspace and counts itself done; the caller
// computes slice 0 meanwhile and spins until every worker is done. A GEMM job
// is split by rows or by columns of C (assembly/gemm.ts chooses), its slices
// starting on whole micro-kernel tiles (ROW_ALIGN rows, COLUMN_ALIGN columns)
// and computed by gemmSlice as the whole product is on one thread (a short last
// slice does not switch to the unpacked kernels): results are bit-identical. An SGD job runs sgdCheck, then
// sgdApply, over slices of the parameter array.

import { gemmSlice, gemmWorkBytes } from './gemm-kernel';
import { sgdApply, sgdCheck } from './sgd';

// Board layout, byte offsets.
const GENERATION: usize = 0;
const DONE: usize = 4;
const QUIT: usize = 8;
const WORKERS: usize = 12;
const WORK_BASE: usize = 16;
const JOB: usize = 32;
/** What the job is: a GEMM, or one of the two passes of a plain SGD update. */
const KIND: usize = 96;
/** A GEMM job's split: 0 by rows of C, 1 by columns. */
const SPLIT: usize = 100;
/** One i32 per thread: the result of its slice of an SGD check. */
const RESULTS: usize = 128;
/** Bytes of the board (RESULTS has room for 64 threads). */
export const BOARD_BYTES: i32 = 384;

const KIND_GEMM: i32 = 0;
const KIND_SGD_CHECK: i32 = 1;
const KIND_SGD_APPLY: i32 = 2;
/** Slices are whole micro-kernel tiles (4 rows × 8 columns). */
export const ROW_ALIGN: i32 = 4;
export const COLUMN_ALIGN: i32 = 8;

/** The board of this instance's thread pool, 0 while it has none (module instance state). */
let board: usize = 0;

/** Attaches the thread pool whose board is at `at` (set up by src/threads/pool.ts). */
export function threadsAttach(at: usize): void {
  board = at;
}

/** Whether this instance has a thread pool. */
@inline export function poolAttached(): bool {
  return board != 0;
}

/** Worker threads of the attached pool (besides the calling thread); call only when poolAttached(). */
@inline export function poolWorkers(): i32 {
  return atomic.load<i32>(board + WORKERS);
}

/** Rows (or columns) per slice when `count` are shared by `parts` threads, a multiple of `align`. */
@inline function sliceSize(count: i32, parts: i32, align: i32): i32 {
  const size = (count + parts - 1) / parts;
  return (size + align - 1) & ~(align - 1);
}

/** Splits a GEMM (with its epilogue) across `workers` + this thread, by columns of C or by rows. */
export function gemmParallel(
  workers: i32, byColumns: bool, transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bias: usize, activation: i32,
): void {
  store<i32>(board + JOB, transA);
  store<i32>(board + JOB, transB, 4);
  store<i32>(board + JOB, m, 8);
  store<i32>(board + JOB, n, 12);
  store<i32>(board + JOB, k, 16);
  store<f32>(board + JOB, alpha, 20);
  store<u32>(board + JOB, <u32>a, 24);
  store<i32>(board + JOB, lda, 28);
  store<u32>(board + JOB, <u32>b, 32);
  store<i32>(board + JOB, ldb, 36);
  store<f32>(board + JOB, beta, 40);
  store<u32>(board + JOB, <u32>c, 44);
  store<i32>(board + JOB, ldc, 48);
  store<u32>(board + JOB, <u32>bias, 52);
  store<i32>(board + JOB, activation, 56);
  store<i32>(board + SPLIT, byColumns ? 1 : 0);
  runJob(workers, KIND_GEMM, work);
}

/** Posts the job written on the board, runs slice 0 here, and waits for every worker's slice. */
function runJob(workers: i32, kind: i32, work: usize): void {
  store<i32>(board + KIND, kind);
  atomic.store<i32>(board + DONE, 0);
  atomic.add<i32>(board + GENERATION, 1);
  atomic.notify(board + GENERATION, workers);
  runSlice(board, 0, workers + 1, work);
  while (atomic.load<i32>(board + DONE) < workers) {
    // Spin: the browser's main thread may not block, and slices take about as long as ours.
  }
}

/**
 * Both passes of sgdUpdate split across `workers` + this thread: every slice
 * checks its new weights; only if all are finite does every slice apply them.
 */
export function sgdParallel(workers: i32, n: i32, w: usize, g: usize, learningRate: f32): i32 {
  store<i32>(board + JOB, n);
  store<u32>(board + JOB, <u32>w, 4);
  store<u32>(board + JOB, <u32>g, 8);
  store<f32>(board + JOB, learningRate, 12);
  runJob(workers, KIND_SGD_CHECK, 0);
  for (let t = 0; t <= workers; t++) {
    if (!load<i32>(board + RESULTS + (<usize>t << 2))) return 0;
  }
  runJob(workers, KIND_SGD_APPLY, 0);
  return 1;
}

/** Slice `index` of `parts` of an SGD pass over the board's parameter array. */
function runSgdSlice(at: usize, index: i32, parts: i32, kind: i32): void {
  const n = load<i32>(at + JOB);
  const per = ((n + parts - 1) / parts + 3) & ~3;
  const first = index * per;
  const count = min(per, n - first);
  const offset = <usize>max(first, 0) << 2;
  const w = <usize>load<u32>(at + JOB, 4) + offset, g = <usize>load<u32>(at + JOB, 8) + offset;
  const rate = load<f32>(at + JOB, 12);
  if (kind == KIND_SGD_CHECK) store<i32>(at + RESULTS + (<usize>index << 2), count > 0 ? sgdCheck(count, w, g, rate) : 1);
  else if (count > 0) sgdApply(count, w, g, rate);
}

/** Computes slice `index` of `parts` of the job on the board. */
function runSlice(at: usize, index: i32, parts: i32, work: usize): void {
  const kind = load<i32>(at + KIND);
  if (kind != KIND_GEMM) {
    runSgdSlice(at, index, parts, kind);
    return;
  }
  const transA = load<i32>(at + JOB), transB = load<i32>(at + JOB, 4);
  const m = load<i32>(at + JOB, 8), n = load<i32>(at + JOB, 12);
  const lda = load<i32>(at + JOB, 28), ldb = load<i32>(at + JOB, 36), ldc = load<i32>(at + JOB, 48);
  let a = <usize>load<u32>(at + JOB, 24), b = <usize>load<u32>(at + JOB, 32), c = <usize>load<u32>(at + JOB, 44);
  let bias = <usize>load<u32>(at + JOB, 52);
  let rows = m, columns = n;
  if (load<i32>(at + SPLIT)) {
    const size = sliceSize(n, parts, COLUMN_ALIGN);
    const first = index * size;
    columns = min(size, n - first);
    // op(B) column j is column j of B, or row j of B when transposed; bias and C move along with it.
    b += transB ? (<usize>first * ldb) << 2 : <usize>first << 2;
    c += <usize>first << 2;
    if (bias) bias += <usize>first << 2;
  } else {
    const size = sliceSize(m, parts, ROW_ALIGN);
    const first = index * size;
    rows = min(size, m - first);
    // op(A) row i is row i of A, or column i of A when transposed.
    a += transA ? <usize>first << 2 : (<usize>first * lda) << 2;
    c += (<usize>first * ldc) << 2;
  }
  if (rows <= 0 || columns <= 0) return;
  gemmSlice(m, n, transA, transB, rows, columns, load<i32>(at + JOB, 16), load<f32>(at + JOB, 20), a, lda, b, ldb,
    load<f32>(at + JOB, 40), c, ldc, work, bias, load<i32>(at + JOB, 56));
}

/**
 * A worker thread's life: wait for a new generation, compute its slice,
 * count itself done; return when the board says quit. `seen` is the
 * generation the pool was created at, so a job posted before this thread
 * started is not missed.
 */
export function workerLoop(at: usize, workerIndex: i32, seen: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  const workers = atomic.load<i32>(at + WORKERS);
  const work = <usize>atomic.load<u32>(at + WORK_BASE) + <usize>(workerIndex - 1) * gemmWorkBytes();
  for (;;) {
    atomic.wait<i32>(at + GENERATION, seen, -1);
    const generation = atomic.load<i32>(at + GENERATION);
    if (generation == seen) continue;
    seen = generation;
    if (atomic.load<i32>(at + QUIT)) return;
    runSlice(at, workerIndex, workers + 1, work);
    atomic.add<i32>(at + DONE, 1);
  }
}

/** Sets up a board at `at` for `workers` threads whose workspaces start at `workBase`. */
export function boardInit(at: usize, workers: i32, workBase: usize): void {
  memory.fill(at, 0, <usize>BOARD_BYTES);
  store<i32>(at + WORKERS, workers);
  store<u32>(at + WORK_BASE, <u32>workBase);
}

/** Tells every worker to return from workerLoop. */
export function boardQuit(at: usize): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(at + QUIT, 1);
  atomic.add<i32>(at + GENERATION, 1);
  atomic.notify(at + GENERATION, -1);
}
