/**
 * The `wasmgrad` subcommands: train (CSV → model file), predict (model + CSV
 * → CSV) and info (what a model file holds). Each checks its arguments first,
 * so a typo fails in milliseconds, not after training.
 */
import { dense, init, sequential, type Activation, type Loss, type Network } from '../index.node.js';
import { checkOptimizer } from '../nn/optimizers.js';
import { HIDDEN_ACTIVATIONS, LOSS_CHOICES, OPTIMIZER_CHOICES } from './choices.js';
import { classIndexLoss } from '../backend/kinds.js';
import { isWasmgradError } from '../errors.js';
import { trainTestSplit } from '../nn/split.js';
import { choice, integerFlag, numberFlag, positionals, text, type Command, type Flags } from './args.js';
import { csvLine, finiteInFloat32, isDelimiter, parseCsv, type CsvTable } from './csv.js';
import {
  encodeInputs, encodeTargets, fitEncoding, inputWidth, isClassification, MISSING_POLICIES, outputWidth, type EncodingChoices,
} from './encoding.js';
import { dropMissing } from './missing.js';
import { dataError, modelFileError, usageError } from './errors.js';
import { readModel, readText, writeAtomically, writeModel } from './model-file.js';
import { bold, cyan, dim, duration, percent, table } from './format.js';
import { ProgressBar } from '../nn/callbacks/progress.js';

export type { Command } from './args.js';

const MAX_COUNT = 1e7;
const isCount = (x: number) => Number.isInteger(x) && x >= 1 && x <= MAX_COUNT;

const architecture = (net: Network) => [String(net.inputSize), ...net.layers.map((l) => `${l.units} ${l.activation}`)].join(' → ');
// Four decimals, or scientific notation where that would round a small loss to 0.0000.
const fixed = (x: number | undefined) => (x === undefined ? '–' : x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(4));

/** A comma-separated list of column names (--categorical, --ignore, --keep); none when the flag is absent. */
function names(flags: Flags, name: string): string[] {
  return flags[name] === undefined ? [] : text(flags, name, '').split(',').map((s) => s.trim());
}

/**
 * --delimiter: one character, or "tab" (also "\\t"); absent: detected from
 * the header line (comma, semicolon or tab).
 */
function delimiter(flags: Flags): string | undefined {
  if (flags.delimiter === undefined) return undefined;
  const value = text(flags, 'delimiter', '');
  const d = value === 'tab' || value === '\\t' ? '\t' : value;
  if (!isDelimiter(d)) {
    throw usageError(`--delimiter must be one character (such as ";", not an emoji) or "tab", not a quote or line break, got "${value}"`);
  }
  return d;
}

/** Reads and parses a CSV file with --delimiter's separator (or the detected one). */
async function readTable(file: string, flags: Flags): Promise<CsvTable> {
  return parseCsv(await readText(file, 'data file'), file, delimiter(flags));
}

/** Root mean square error in the target's own units (the loss is on the standardized target). */
function rmse(net: Network, x: number[][], t: number[][], std: number): number {
  const y = net.predict(x);
  return Math.sqrt(y.reduce((s, row, r) => s + (row[0] - t[r][0]) ** 2, 0) / Math.max(1, y.length)) * std;
}

/** `wasmgrad train data.csv --target COLUMN ...`. */
export const train: Command = {
  strings: ['target', 'layers', 'activation', 'loss', 'optimizer', 'learning-rate', 'epochs', 'batch-size', 'validation-split',
    'seed', 'out', 'categorical', 'ignore', 'missing', 'delimiter', 'early-stopping'],
  booleans: ['classification'],
  async run(args, flags) {
    const [file] = positionals('train', args, ['a CSV file']);
    if (flags.target === undefined) throw usageError('--target is required: the name of the column to predict');
    const target = text(flags, 'target', '');
    const layersText = text(flags, 'layers', '16');
    const hidden = layersText === 'none' ? [] : layersText.split(',').map((part) => (/^\d+$/.test(part.trim()) ? Number(part.trim()) : NaN));
    if (hidden.some((u) => !isCount(u))) throw usageError(`--layers must be unit counts such as 16,8 (or "none"), got "${layersText}"`);
    const activation = choice(flags, 'activation', 'relu', HIDDEN_ACTIVATIONS);
    const lossFlag = flags.loss === undefined ? undefined : choice<Loss>(flags, 'loss', 'mse', LOSS_CHOICES);
    const optimizerName = choice(flags, 'optimizer', 'adam', OPTIMIZER_CHOICES);
    // Positive as a float32 too: 1e-46 rounds to 0 and 1e39 to Infinity in the optimizer's float32 arithmetic.
    const learningRate = numberFlag(flags, 'learning-rate', 0.01, (x) => finiteInFloat32(x) && Math.fround(x) > 0,
      'a positive decimal number within float32\'s range (such as 0.01 or 1e-3)');
    const epochs = integerFlag(flags, 'epochs', 100, 1, MAX_COUNT);
    const batchSize = integerFlag(flags, 'batch-size', 32, 1, MAX_COUNT);
    const split = numberFlag(flags, 'validation-split', 0.2, (x) => x >= 0 && x < 1, 'a fraction from 0 (none) up to but not including 1');
    const seed = integerFlag(flags, 'seed', 1, 0, 2 ** 32 - 1);
    const out = text(flags, 'out', 'model.wgm');
    const categorical = names(flags, 'categorical');
    const ignore = names(flags, 'ignore');
    const missing = choice(flags, 'missing', 'fail', MISSING_POLICIES);
    const patience = flags['early-stopping'] === undefined ? undefined : integerFlag(flags, 'early-stopping', 0, 1, MAX_COUNT);

    const raw = await readTable(file, flags);
    const choices: EncodingChoices = {
      target, classification: flags.classification === true, categorical, ignore, missing,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    };
    const classes = isClassification(raw, choices, file); // also checks that the target exists
    const skip = new Set([target, ...ignore]);
    const { table: data, emptyTarget, emptyInput } = dropMissing(raw, target, raw.header.filter((h) => !skip.has(h)), missing, file);
    // Validation rows are held out here, not by fit's validationSplit: the standardization must be fitted on the
    // training rows alone. trainTestSplit chooses them (seeded; stratified for classes, so a file sorted by class
    // still validates on every class), the same ones for the same seed.
    const all = data.rows.map((_, i) => i);
    let trainRows = all;
    let valRows: number[] = [];
    if (split > 0) {
      if (Math.ceil(all.length * split) >= all.length) throw dataError(`${file}: ${all.length} rows leave none to train on after --validation-split ${split}`);
      const t = data.header.indexOf(target);
      const labels = data.rows.map((row) => row[t].trim());
      const ids = new Map([...new Set(labels)].map((v, k) => [v, k]));
      const parts = trainTestSplit(all, all, { testFraction: split, seed, stratify: classes ? labels.map((v) => ids.get(v) as number) : false });
      trainRows = parts.xTrain;
      valRows = parts.xTest;
    }
    const held = valRows.length;

    const preprocessing = fitEncoding(data, choices, trainRows, file);
    const x = encodeInputs(data, preprocessing, file, true);
    const t = encodeTargets(data, preprocessing, file);
    const goal = preprocessing.target;
    const classify = goal.kind === 'classification';
    const loss = lossFlag ?? (classify ? 'categoricalCrossentropy' : 'mse');
    if (!classify && loss.endsWith('Crossentropy')) {
      throw usageError(`--loss ${loss} needs classes, but the target "${target}" is numeric (add --classification to treat its values as classes)`);
    }
    // Softmax turns the outputs into class probabilities; binary cross-entropy scores each output on its own, so sigmoid.
    const output: Activation = !classify ? 'linear' : loss === 'binaryCrossentropy' ? 'sigmoid' : 'softmax';
    const units = outputWidth(preprocessing);
    const optimizer = checkOptimizer('train', '--optimizer', { type: optimizerName, learningRate });
    await init();
    const net = sequential({
      inputSize: inputWidth(preprocessing), loss, optimizer, seed,
      layers: [...hidden.map((n) => dense(n, { activation })), dense(units, { activation: output })],
    });
    const pick = (m: number[][], rows: number[]) => rows.map((r) => m[r]);
    const [trainX, trainT, valX, valT] = [pick(x, trainRows), pick(t, trainRows), pick(x, valRows), pick(t, valRows)];
    // A class-index loss (sparseCategoricalCrossentropy) takes each row's class index, not its one-hot row.
    const targets = (rows: number[][]) => (classIndexLoss(loss) ? rows.map((row) => row.indexOf(1)) : rows);

    const numeric = preprocessing.inputs.filter((c) => c.kind === 'numeric').length;
    console.log(`${bold('Training')} on ${file}: ${data.rows.length} rows (${trainRows.length} for training, ${held} for validation)`);
    if (emptyTarget + emptyInput > 0) {
      console.log(`  missing  ${emptyTarget + emptyInput} rows left out (--missing ${missing}): ${emptyTarget} with an empty target, ${emptyInput} with an empty input`);
    }
    const filled = preprocessing.inputs.filter((c) => c.fill !== undefined).length;
    if (filled > 0) console.log(`  missing  empty cells of ${filled} input columns filled in with the training ${missing} (saved in the model)`);
    console.log(`  inputs   ${net.inputSize} values from ${preprocessing.inputs.length} columns (${numeric} numeric, standardized; ` +
      `${preprocessing.inputs.length - numeric} categorical, one-hot)`);
    console.log(`  target   ${target}: ${classify ? `classification, ${units} classes (${goal.classes.join(', ')})` : 'regression'}`);
    console.log(`  network  ${architecture(net)}, ${net.parameterCount} parameters, ${loss} loss, ${optimizerName} (learning rate ${learningRate})`);

    // The library's bar (fit's progress option draws the same), in colour on a terminal.
    const progress = new ProgressBar(process.stdout, epochs, trainRows.length, { paint: { filled: cyan, empty: dim } });
    const start = performance.now();
    let history: Awaited<ReturnType<Network['fit']>>;
    try {
      history = await net.fit(trainX, targets(trainT), {
        epochs, batchSize, shuffle: true,
        validationData: held > 0 ? [valX, targets(valT)] : undefined,
        metrics: classify ? ['accuracy'] : [],
        onEpochEnd: (epoch, logs) => progress.update(epoch + 1, logs.loss, logs.valLoss),
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
        earlyStopping: patience === undefined ? undefined : { patience, restoreBestWeights: true },
      });
    } catch (error) {
      // Divergence is the run's outcome, not a bad flag (exit 1): the same rate can converge on other data. Say which flag to change.
      if (isWasmgradError(error, 'WASMGRAD_DIVERGED')) error.message += ` No model was written; try a --learning-rate below ${learningRate}.`;
      throw error;
    }
    const seconds = performance.now() - start;
    await writeModel(out, net, preprocessing);

    const last = (values?: number[]) => values?.at(-1);
    progress.finish(); // a bar that stopped short of its last epoch gets its line break
    const stopped = history.epochs < epochs ? ` (early stopping after ${patience} without improvement; the best epoch, ${(history.bestEpoch ?? 0) + 1}, kept)` : '';
    console.log(`${bold('Done')} in ${duration(seconds)}: ${history.epochs} epochs${stopped}`);
    console.log(`  loss      ${fixed(last(history.loss))}${held ? `   validation loss ${fixed(last(history.valLoss))}` : ''}`);
    if (goal.kind === 'classification') {
      const accuracy = (v?: number) => (v === undefined ? '–' : percent(v));
      console.log(`  accuracy  ${accuracy(last(history.accuracy))}${held ? `   validation accuracy ${accuracy(last(history.valAccuracy))}` : ''}`);
    } else {
      console.log(`  RMSE      ${fixed(rmse(net, trainX, trainT, goal.std))}` +
        `${held ? `   validation RMSE ${fixed(rmse(net, valX, valT, goal.std))}` : ''}  (in units of ${target})`);
    }
    console.log(`  model     ${out} (${net.parameterCount} parameters)`);
    net.dispose();
  },
};

/** `wasmgrad predict model.wgm data.csv [--out predictions.csv]`. */
export const predict: Command = {
  strings: ['out', 'keep', 'delimiter'],
  booleans: [],
  async run(args, flags) {
    const [modelFile, dataFile] = positionals('predict', args, ['a model file', 'a CSV file']);
    const out = flags.out === undefined ? undefined : text(flags, 'out', '');
    const keep = names(flags, 'keep');
    const { net, preprocessing } = await readModel(modelFile); // checks that the encoding fits the network
    if (!preprocessing) throw modelFileError(`${modelFile} has no CSV encoding (preprocessing); only models written by "wasmgrad train" can predict from CSV`);
    const data = await readTable(dataFile, flags);
    const goal = preprocessing.target;
    const predicted = goal.kind === 'classification' ? [goal.name, ...goal.classes.map((c) => `probability_${c}`)] : [goal.name];
    const indexes = new Map(data.header.map((name, c) => [name, c]));
    const kept = keep.map((name) => {
      const c = indexes.get(name);
      if (c === undefined) throw dataError(`${dataFile}: no column "${name}" (named by --keep)`);
      if (predicted.includes(name)) throw usageError(`--keep ${name}: the output already has a column "${name}" (a prediction); rename it in ${dataFile}`);
      return c;
    });
    if (new Set(keep).size !== keep.length) throw usageError(`--keep names a column twice: ${keep.join(',')}`);
    const x = encodeInputs(data, preprocessing, dataFile);
    const y = net.predict(x);
    const ids = (r: number) => kept.map((c) => data.rows[r][c]);
    let csv = csvLine([...keep, ...predicted]);
    if (goal.kind === 'classification') {
      y.forEach((row, r) => {
        const best = row.reduce((b, p, k) => (p > row[b] ? k : b), 0);
        csv += csvLine([...ids(r), goal.classes[best], ...row.map((p) => p.toFixed(6))]);
      });
    } else {
      csv += y.map((row, r) => csvLine([...ids(r), Number((row[0] * goal.std + goal.mean).toPrecision(7))])).join('');
    }
    net.dispose();
    if (out === undefined) process.stdout.write(csv);
    else {
      await writeAtomically(out, csv);
      console.error(`${y.length} predictions written to ${out}`);
    }
  },
};

/** `wasmgrad info model.wgm`. */
export const info: Command = {
  strings: [],
  booleans: [],
  async run(args) {
    const [modelFile] = positionals('info', args, ['a model file']);
    const { net, info: header, preprocessing } = await readModel(modelFile);
    const opt = net.optimizer;
    console.log(`${bold(modelFile)}: wasmgrad model file, version ${header.version}${header.version === 1 ? ' (the JSON form)' : ''}`);
    console.log(`  ${architecture(net)}`);
    let inSize = net.inputSize;
    const rows = net.layers.map((layer, l) => {
      const params = inSize * layer.units + layer.units;
      inSize = layer.units;
      return [String(l + 1), layer.type, String(layer.units), layer.activation, String(params)];
    });
    console.log(table(['Layer', 'Type', 'Units', 'Activation', 'Parameters'], [['input', '', String(net.inputSize), '', ''], ...rows], 'llrlr'));
    console.log(`  loss ${net.loss} · optimizer ${opt.type} (learning rate ${opt.learningRate}) · seed ${net.seed}` +
      ` · ${net.parameterCount} parameters · ${net.epochsTrained} epochs trained`);
    if (preprocessing) {
      console.log(`${bold('Inputs')} (CSV columns, in encoding order)`);
      console.log(table(['Column', 'Kind', 'Encoding'], preprocessing.inputs.map((c) => [c.name, c.kind,
        (c.kind === 'numeric' ? `(x − ${Number(c.mean.toPrecision(6))}) / ${Number(c.std.toPrecision(6))}` : `one-hot: ${c.categories.map((v) => JSON.stringify(v)).join(', ')}`) +
        (c.fill === undefined ? '' : `; empty → ${typeof c.fill === 'number' ? Number(c.fill.toPrecision(6)) : JSON.stringify(c.fill)}`)]), 'lll'));
      if (preprocessing.missing) console.log(`  trained with --missing ${preprocessing.missing}`);
      const goal = preprocessing.target;
      console.log(`${bold('Target')} ${goal.name}: ${goal.kind === 'classification' ? `classification, classes ${goal.classes.join(', ')}`
        : `regression (outputs scaled by ${Number(goal.std.toPrecision(6))}, plus ${Number(goal.mean.toPrecision(6))})`}`);
    } else {
      console.log(dim('  no CSV encoding (not written by "wasmgrad train"): predict cannot use it'));
    }
    net.dispose();
  },
};
