import type { MemoryViews } from '../../heap.js';
import type { Backend } from '../backend.js';
import { createGemm } from './gemm.js';
import * as element from './elementwise.js';
import { createMlpKernels, type ElementKernels } from './mlp.js';
import * as tensor from './tensor-kernels.js';
import { optimizerStep } from './update.js';
import { dropoutBackward, dropoutForward } from './dropout.js';

/** The pure-TS backend over the given memory: the reference every wasm kernel is tested against. */
export function createJsBackend(v: MemoryViews): Backend {
  const gemm = createGemm(v);
  const kernels: ElementKernels = {
    gemm,
    denseForward(m, n, k, x, w, bias, y, activation, work) {
      gemm(0, 0, m, n, k, 1, x, k, w, n, 0, y, n, work);
      element.biasAdd(v, m, n, bias, y);
      element.activationForward(v, activation, m, n, y, y);
    },
    biasAdd: element.biasAdd.bind(null, v),
    columnSums: element.columnSums.bind(null, v),
    activationForward: element.activationForward.bind(null, v),
    activationBackward: element.activationBackward.bind(null, v),
    lossSum: element.lossSum.bind(null, v),
    outputDelta: element.outputDelta.bind(null, v),
    sgdUpdate: element.sgdUpdate.bind(null, v),
    sumSquares: element.sumSquares.bind(null, v),
    firstNonFinite: element.firstNonFinite.bind(null, v),
    optimizerStep: optimizerStep.bind(null, v),
    dropoutForward: dropoutForward.bind(null, v),
    dropoutBackward: dropoutBackward.bind(null, v),
    gatherRows: element.gatherRows.bind(null, v),
    mapUnary: tensor.mapUnary.bind(null, v),
    mapBinary: tensor.mapBinary.bind(null, v),
    mapScalar: tensor.mapScalar.bind(null, v),
    broadcastCopy: tensor.broadcastCopy.bind(null, v),
    reduceSum: tensor.reduceSum.bind(null, v),
    reduceMax: tensor.reduceMax.bind(null, v),
    transpose: tensor.transpose.bind(null, v),
    softmaxRows: tensor.softmaxRows.bind(null, v),
  };
  return { name: 'js', ...kernels, ...createMlpKernels(v, kernels) };
}
