/**
 * `net.summary()`: a network described as a plain-text table, built from its
 * public getters only, so it reads the same for a network from sequential(),
 * load() or fromTfjs().
 */
import type { BackendName } from '../backend/backend.js';
import type { Loss } from '../backend/kinds.js';
import type { DenseLayer } from './layers.js';
import type { Optimizer } from './optimizers.js';

/** What summary reads: the network's read-only getters. */
export interface Summarizable {
  readonly inputSize: number;
  readonly layers: readonly DenseLayer[];
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly backend: BackendName;
  /** The multiplier reduceLROnPlateau keeps on the schedule's rate (1 or absent: none). */
  readonly learningRateMultiplier?: number;
}

const HEADER = ['Layer', 'Type', 'Units', 'Activation', 'Output shape', 'Parameters'];
/** Per column: numbers right-aligned, text left. */
const RIGHT = [false, false, true, false, false, true];

/** The optimizer in words: its type and learning rate, the schedule if it has one, and a plateau multiplier other than 1. */
function optimizerText(o: Optimizer, multiplier = 1): string {
  const s = o.schedule;
  const schedule = !s ? '' : s.type === 'step' ? `, step schedule (×${s.factor} every ${s.every} epochs)`
    : s.type === 'exponential' ? `, exponential schedule (×${s.factor} per epoch)`
    : `, cosine schedule (to ${s.minimum ?? 0} over ${s.epochs} epochs)`;
  const reduced = multiplier === 1 ? '' : `, times ${multiplier} after plateaus`;
  return `${o.type} (learning rate ${o.learningRate}${schedule}${reduced})`;
}

/**
 * The table `Network.summary()` returns: one row for the input and one per
 * layer (0-based index, type, units, activation and dropout, output shape
 * `[batch, units]`, parameters in·units + units), then the total parameter
 * count, the loss, the optimizer with its learning rate, and the backend.
 * Lines end without trailing spaces and are joined by '\n' (no final one).
 */
export function summary(net: Summarizable): string {
  let inSize = net.inputSize;
  let total = 0;
  const rows = [['input', '', String(net.inputSize), '', `[batch, ${net.inputSize}]`, '0']];
  net.layers.forEach((layer, l) => {
    const params = inSize * layer.units + layer.units;
    total += params;
    inSize = layer.units;
    const activation = layer.dropout > 0 ? `${layer.activation}, dropout ${layer.dropout}` : layer.activation;
    rows.push([String(l), layer.type, String(layer.units), activation, `[batch, ${layer.units}]`, String(params)]);
  });
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (RIGHT[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1));
  return [
    line(HEADER), rule, ...rows.map(line), rule,
    `Total parameters: ${total}`,
    `Loss: ${net.loss}`,
    `Optimizer: ${optimizerText(net.optimizer, net.learningRateMultiplier)}`,
    `Backend: ${net.backend}`,
  ].join('\n');
}
