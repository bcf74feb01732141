import type { MemoryViews } from '../../heap.js';
import type { Backend } from '../backend.js';
import { activationBackward, activationForward } from './activations.js';
import { biasAdd, columnSums } from './bias.js';
import { firstNonFinite } from './checks.js';
import { dropoutBackward, dropoutForward } from './dropout.js';
import { mapBinary, mapScalar, mapUnary } from './elementwise.js';
import { createGemmKernels } from './gemm.js';
import { lossSum, outputDelta } from './losses.js';
import { createMlpKernels, type ElementKernels, gatherRows } from './mlp.js';
import { sumSquares } from './norms.js';
import { optimizerStep } from './optimizers.js';
import { sgdUpdate } from './sgd.js';
import { broadcastCopy, reduceMax, reduceSum, softmaxRows, transpose } from './shape.js';

// No kernel is defined here: each lives in the file named like its assembly/ twin
// (test/backend/twins.test.ts checks), and this file binds them to one memory.

/** The pure-TS backend over the given memory: the reference every wasm kernel is tested against. */
export function createJsBackend(v: MemoryViews): Backend {
  const { gemm, denseForward } = createGemmKernels(v);
  const kernels: ElementKernels = {
    gemm,
    denseForward,
    biasAdd: biasAdd.bind(null, v),
    columnSums: columnSums.bind(null, v),
    activationForward: activationForward.bind(null, v),
    activationBackward: activationBackward.bind(null, v),
    lossSum: lossSum.bind(null, v),
    outputDelta: outputDelta.bind(null, v),
    sgdUpdate: sgdUpdate.bind(null, v),
    sumSquares: sumSquares.bind(null, v),
    firstNonFinite: firstNonFinite.bind(null, v),
    optimizerStep: optimizerStep.bind(null, v),
    dropoutForward: dropoutForward.bind(null, v),
    dropoutBackward: dropoutBackward.bind(null, v),
    gatherRows: gatherRows.bind(null, v),
    mapUnary: mapUnary.bind(null, v),
    mapBinary: mapBinary.bind(null, v),
    mapScalar: mapScalar.bind(null, v),
    broadcastCopy: broadcastCopy.bind(null, v),
    reduceSum: reduceSum.bind(null, v),
    reduceMax: reduceMax.bind(null, v),
    transpose: transpose.bind(null, v),
    softmaxRows: softmaxRows.bind(null, v),
  };
  return { name: 'js', ...kernels, ...createMlpKernels(v, kernels) };
}
