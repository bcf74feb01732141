/** The losses the networks use, as graph ops (composed, so their gradients follow from the parts). */
import { shapeError } from '../../errors.js';
import { formatShape, sameShape } from '../broadcast.js';
import { liveTensor } from '../create.js';
import type { Tensor } from '../tensor.js';
import { div, mul, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';

function checkPair(where: string, y: Tensor, t: Tensor): void {
  liveTensor(where, y, 'outputs');
  liveTensor(where, t, 'targets');
  if (!sameShape(y.shape, t.shape)) {
    throw shapeError(`${where}: outputs and targets must have the same shape, got ${formatShape(y.shape)} and ${formatShape(t.shape)}`);
  }
}

/**
 * The seed's L2 loss, 1/2 Σ_j (y_j - t_j)² per sample, averaged over the
 * samples (the rows of a 2-D y; a 1-D y is one sample), as the networks use it.
 */
export function l2Loss(y: Tensor, t: Tensor): Tensor {
  checkPair('l2Loss', y, t);
  const samples = y.rank >= 2 ? y.shape[0] : 1;
  const diff = sub(y, t);
  return div(mul(sum(mul(diff, diff)), 0.5), samples);
}

/** Mean squared error over all elements. */
export function mseLoss(y: Tensor, t: Tensor): Tensor {
  checkPair('mseLoss', y, t);
  const diff = sub(y, t);
  return mean(mul(diff, diff));
}
