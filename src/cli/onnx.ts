/**
 * `wasmgrad export model.wgm model.onnx`: a model trained by the CLI as an
 * ONNX model for ONNX Runtime, with its standardization inside the graph
 * (leading Sub/Div nodes; for regression, trailing Mul/Add back to the
 * target's units), so a service feeds it the CSV's numbers as they are.
 * One-hot encoding of text columns stays outside the graph: the caller
 * writes a 1 in the category's position, in the column order `info` shows.
 */
import { toOnnx, type ToOnnxOptions } from '../nn/onnx/export.js';
import { positionals, type Command } from './args.js';
import type { Preprocessing } from './encoding.js';
import { readModel, writeAtomically } from './model-file.js';

/** The standardization of a CLI model as toOnnx options: one-hot inputs pass through (mean 0, std 1). */
export function onnxScaling(p: Preprocessing): ToOnnxOptions {
  const mean: number[] = [], std: number[] = [];
  for (const col of p.inputs) {
    if (col.kind === 'numeric') {
      mean.push(col.mean);
      std.push(col.std);
    } else {
      for (let k = 0; k < col.categories.length; k++) {
        mean.push(0);
        std.push(1);
      }
    }
  }
  const goal = p.target;
  return { standardize: { mean, std }, ...(goal.kind === 'regression' ? { destandardize: { mean: [goal.mean], std: [goal.std] } } : {}) };
}

/** `wasmgrad export model.wgm model.onnx`. */
export const exportOnnx: Command = {
  strings: [],
  booleans: [],
  async run(args) {
    const [modelFile, out] = positionals('export', args, ['a model file', 'an output file (model.onnx)']);
    const { net, preprocessing } = await readModel(modelFile); // checks that the encoding fits the network
    let bytes: Uint8Array;
    try {
      bytes = toOnnx(net, preprocessing ? onnxScaling(preprocessing) : {});
    } finally {
      net.dispose();
    }
    await writeAtomically(out, bytes); // as train writes the model file: atomic, errors in the CLI's words
    const inputs = preprocessing?.inputs.map((c) => (c.kind === 'numeric' ? c.name : `${c.name} (one-hot: ${c.categories.length} values)`));
    console.error(`${out}: ONNX (opset 17), input "input" [batch, ${net.inputSize}]`
      + (inputs ? `: ${inputs.join(', ')}; numbers as in the CSV (standardized inside the graph)` : '')
      + (preprocessing?.inputs.some((c) => c.kind === 'categorical') ? ', text columns one-hot encoded by the caller' : '')
      + `; output "output" [batch, ${net.outputSize}]`
      + (preprocessing?.target.kind === 'classification' ? ` (probabilities of ${preprocessing.target.classes.join(', ')})`
        : preprocessing ? ` (${preprocessing.target.name}, in its own units)` : ''));
  },
};
