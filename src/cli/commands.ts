/**
 * The `wasmgrad` subcommands: train (CSV → model file), predict (model + CSV
 * → CSV) and info (what a model file holds). Each checks its arguments first,
 * so a typo fails in milliseconds, not after training.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../nn/files.js';
import { ACTIVATIONS, LOSSES, adam, dense, fromJSON, init, rmsprop, sequential, sgd, type Activation, type Loss, type Network } from '../index.js';
import { Random } from '../random.js';
import {
  checkPreprocessing, csvLine, DataError, encodeInputs, encodeTargets, fitEncoding, inputWidth, parseCsv, type Preprocessing,
} from './csv.js';
import { bold, cyan, dim, duration, percent, table } from './format.js';

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Flags = Record<string, string | true>;

/** A subcommand: the flags it takes (with a value, or none) and what it does. */
export interface Command {
  strings: readonly string[];
  booleans: readonly string[];
  run(positionals: string[], flags: Flags): Promise<void>;
}

/** Splits arguments into positionals and flags (`--name value`, `--name=value`, `--flag`); unknown flags are usage errors. */
export function parseArgs(command: string, argv: readonly string[], spec: Command): { positionals: string[]; flags: Flags } {
  const positionals: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (arg === '-h') { flags.help = true; continue; }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg;
    if (name === 'help' || spec.booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (spec.strings.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else {
      throw new UsageError(`unknown option ${arg.slice(0, eq < 0 ? undefined : eq)} for "wasmgrad ${command}"`);
    }
  }
  return { positionals, flags };
}

function positionals(command: string, given: string[], names: string[]): string[] {
  if (given.length !== names.length) {
    throw new UsageError(`"wasmgrad ${command}" takes ${names.join(' and ')}, got ${given.length ? given.map((g) => `"${g}"`).join(' ') : 'nothing'}`);
  }
  return given;
}

function text(flags: Flags, name: string, fallback: string): string {
  const value = flags[name] ?? fallback;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`);
  return value;
}

/** A numeric flag; `valid` says whether a value is allowed and `expected` what is. */
function numberFlag(flags: Flags, name: string, fallback: number, valid: (x: number) => boolean, expected: string): number {
  if (flags[name] === undefined) return fallback;
  const raw = text(flags, name, '');
  const value = Number(raw);
  if (raw.trim() === '' || !valid(value)) throw new UsageError(`--${name} must be ${expected}, got "${raw}"`);
  return value;
}

function choice<T extends string>(flags: Flags, name: string, fallback: T, options: readonly T[]): T {
  const value = text(flags, name, fallback);
  if (!options.includes(value as T)) throw new UsageError(`--${name} must be one of ${options.join(', ')}, got "${value}"`);
  return value as T;
}

const isCount = (x: number) => Number.isInteger(x) && x >= 1 && x <= 1e7;

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(`cannot read the ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** writeFileAtomic, with a write failure reported as a data error. */
async function writeAtomically(path: string, contents: string): Promise<void> {
  try {
    await writeFileAtomic(path, contents);
  } catch (error) {
    throw new DataError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Reads a model file: the network's own JSON (any `toJSON()` output loads)
 * plus, from `wasmgrad train`, a `preprocessing` field that the library's
 * fromJSON ignores.
 */
async function readModel(path: string): Promise<{ net: Network; json: Record<string, unknown>; preprocessing?: Preprocessing }> {
  const contents = await readText(path, 'model file');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(contents);
  } catch (error) {
    throw new DataError(`${path} is not a JSON model file (${(error as Error).message})`);
  }
  await init();
  let net: Network;
  try {
    net = fromJSON(json);
  } catch (error) {
    throw new DataError(`${path} is not a wasmgrad model: ${(error as Error).message}`);
  }
  const preprocessing = json?.preprocessing === undefined ? undefined : checkPreprocessing(json.preprocessing, path);
  return { net, json, preprocessing };
}

const architecture = (net: Network) => [String(net.inputSize), ...net.layers.map((l) => `${l.units} ${l.activation}`)].join(' → ');
// Four decimals, or scientific notation where that would round a small loss to 0.0000.
const fixed = (x: number | undefined) => (x === undefined ? '–' : x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(4));

/** Training progress: redrawn in place on a terminal, one line per ~10% of the epochs in a log. */
class TrainingProgress {
  readonly #start = performance.now();
  #lastDraw = 0;
  #lastTenth = 0;

  constructor(readonly epochs: number, readonly samples: number, readonly tty = Boolean(process.stdout.isTTY)) {}

  /** `epoch` counts from 1. */
  update(epoch: number, loss: number, valLoss?: number): void {
    const now = performance.now();
    const tenth = Math.floor((epoch * 10) / this.epochs);
    if (this.tty ? epoch < this.epochs && now - this.#lastDraw < 50 : tenth === this.#lastTenth) return;
    this.#lastDraw = now;
    this.#lastTenth = tenth;
    const filled = Math.round((epoch / this.epochs) * 24);
    const speed = (epoch * this.samples) / Math.max((now - this.#start) / 1000, 1e-6);
    const line = `  epoch ${String(epoch).padStart(String(this.epochs).length)}/${this.epochs} ` +
      `${cyan('█'.repeat(filled))}${dim('░'.repeat(24 - filled))} loss ${loss.toFixed(5)}` +
      `${valLoss === undefined ? '' : `  val loss ${valLoss.toFixed(5)}`}  ${Math.round(speed).toLocaleString('en-US')} samples/s`;
    process.stdout.write(this.tty ? `\r${line}\x1b[K${epoch === this.epochs ? '\n' : ''}` : `${line}\n`);
  }
}

/** Root mean square error in the target's own units (the loss is on the standardized target). */
function rmse(net: Network, x: number[][], t: number[][], std: number): number {
  const y = net.predict(x);
  return Math.sqrt(y.reduce((s, row, r) => s + (row[0] - t[r][0]) ** 2, 0) / Math.max(1, y.length)) * std;
}

/** `wasmgrad train data.csv --target COLUMN ...`. */
export const train: Command = {
  strings: ['target', 'layers', 'activation', 'loss', 'optimizer', 'learning-rate', 'epochs', 'batch-size', 'validation-split',
    'seed', 'out', 'categorical'],
  booleans: ['classification'],
  async run(args, flags) {
    const [file] = positionals('train', args, ['a CSV file']);
    if (flags.target === undefined) throw new UsageError('--target is required: the name of the column to predict');
    const target = text(flags, 'target', '');
    const layersText = text(flags, 'layers', '16');
    const hidden = layersText === 'none' ? [] : layersText.split(',').map((part) => Number(part.trim()));
    if (hidden.some((u) => !isCount(u))) throw new UsageError(`--layers must be unit counts such as 16,8 (or "none"), got "${layersText}"`);
    const activation = choice(flags, 'activation', 'relu', ACTIVATIONS.filter((a) => a !== 'softmax'));
    const lossFlag = flags.loss === undefined ? undefined : choice<Loss>(flags, 'loss', 'mse', LOSSES);
    const optimizerName = choice(flags, 'optimizer', 'adam', ['adam', 'sgd', 'rmsprop'] as const);
    const learningRate = numberFlag(flags, 'learning-rate', 0.01, (x) => x > 0 && Number.isFinite(x), 'a positive number');
    const epochs = numberFlag(flags, 'epochs', 100, isCount, 'a whole number from 1 to 10000000');
    const batchSize = numberFlag(flags, 'batch-size', 32, isCount, 'a whole number from 1 to 10000000');
    const split = numberFlag(flags, 'validation-split', 0.2, (x) => x >= 0 && x < 1, 'a fraction from 0 (none) up to but not including 1');
    const seed = numberFlag(flags, 'seed', 1, (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32, 'a whole number from 0 to 4294967295');
    const out = text(flags, 'out', 'model.json');
    const categorical = flags.categorical === undefined ? [] : text(flags, 'categorical', '').split(',').map((s) => s.trim());

    const data = parseCsv(await readText(file, 'data file'), file);
    // The library's validationSplit holds out the *last* rows, and CSV files are often sorted (by class, by date):
    // a seeded shuffle first makes the validation rows a fair sample, the same one for the same seed.
    const order = Int32Array.from(data.rows, (_, i) => i);
    new Random(seed, 0xc5f).shuffle(order);
    const held = split > 0 ? Math.max(1, Math.round(data.rows.length * split)) : 0;
    if (held >= data.rows.length) throw new DataError(`${file}: ${data.rows.length} rows leave none to train on after --validation-split ${split}`);
    const trainRows = [...order.subarray(0, order.length - held)];
    const valRows = [...order.subarray(order.length - held)];

    const preprocessing = fitEncoding(data, { target, classification: flags.classification === true, categorical }, trainRows, file);
    const x = encodeInputs(data, preprocessing, file);
    const t = encodeTargets(data, preprocessing, file);
    const goal = preprocessing.target;
    const classify = goal.kind === 'classification';
    const loss = lossFlag ?? (classify ? 'categoricalCrossentropy' : 'mse');
    if (!classify && loss.endsWith('Crossentropy')) {
      throw new UsageError(`--loss ${loss} needs classes, but the target "${target}" is numeric (add --classification to treat its values as classes)`);
    }
    // Softmax turns the outputs into class probabilities; binary cross-entropy scores each output on its own, so sigmoid.
    const output: Activation = !classify ? 'linear' : loss === 'binaryCrossentropy' ? 'sigmoid' : 'softmax';
    const units = classify ? goal.classes.length : 1;
    const optimizer = { adam, sgd, rmsprop }[optimizerName]({ learningRate });
    await init();
    const net = sequential({
      inputSize: inputWidth(preprocessing), loss, optimizer, seed,
      layers: [...hidden.map((n) => dense(n, { activation })), dense(units, { activation: output })],
    });
    const pick = (m: number[][], rows: number[]) => rows.map((r) => m[r]);
    const [trainX, trainT, valX, valT] = [pick(x, trainRows), pick(t, trainRows), pick(x, valRows), pick(t, valRows)];

    const numeric = preprocessing.inputs.filter((c) => c.kind === 'numeric').length;
    console.log(`${bold('Training')} on ${file}: ${data.rows.length} rows (${trainRows.length} for training, ${held} for validation)`);
    console.log(`  inputs   ${net.inputSize} values from ${preprocessing.inputs.length} columns (${numeric} numeric, standardized; ` +
      `${preprocessing.inputs.length - numeric} categorical, one-hot)`);
    console.log(`  target   ${target}: ${classify ? `classification, ${units} classes (${goal.classes.join(', ')})` : 'regression'}`);
    console.log(`  network  ${architecture(net)}, ${net.parameterCount} parameters, ${loss} loss, ${optimizerName} (learning rate ${learningRate})`);

    const progress = new TrainingProgress(epochs, trainRows.length);
    const start = performance.now();
    const history = await net.fit(trainX, trainT, {
      epochs, batchSize, shuffle: true,
      validationData: held > 0 ? [valX, valT] : undefined,
      metrics: classify ? ['accuracy'] : [],
      onEpochEnd: (epoch, logs) => progress.update(epoch + 1, logs.loss, logs.valLoss),
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    });
    const seconds = performance.now() - start;
    await writeAtomically(out, JSON.stringify({ ...net.toJSON(), preprocessing }));

    const last = (values?: number[]) => values?.at(-1);
    console.log(`${bold('Done')} in ${duration(seconds)}: ${epochs} epochs`);
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

/** `wasmgrad predict model.json data.csv [--out predictions.csv]`. */
export const predict: Command = {
  strings: ['out'],
  booleans: [],
  async run(args, flags) {
    const [modelFile, dataFile] = positionals('predict', args, ['a model file', 'a CSV file']);
    const out = flags.out === undefined ? undefined : text(flags, 'out', '');
    const { net, preprocessing } = await readModel(modelFile);
    if (!preprocessing) throw new DataError(`${modelFile} has no CSV encoding (preprocessing); only models written by "wasmgrad train" can predict from CSV`);
    const data = parseCsv(await readText(dataFile, 'data file'), dataFile);
    const x = encodeInputs(data, preprocessing, dataFile);
    if (inputWidth(preprocessing) !== net.inputSize) {
      throw new DataError(`${modelFile}: its encoding makes ${inputWidth(preprocessing)} inputs but the network takes ${net.inputSize}`);
    }
    const y = net.predict(x);
    const goal = preprocessing.target;
    let csv: string;
    if (goal.kind === 'classification') {
      csv = csvLine([goal.name, ...goal.classes.map((c) => `probability_${c}`)]);
      for (const row of y) {
        const best = row.reduce((b, p, k) => (p > row[b] ? k : b), 0);
        csv += csvLine([goal.classes[best], ...row.map((p) => p.toFixed(6))]);
      }
    } else {
      csv = csvLine([goal.name]) + y.map((row) => csvLine([Number((row[0] * goal.std + goal.mean).toPrecision(7))])).join('');
    }
    net.dispose();
    if (out === undefined) process.stdout.write(csv);
    else {
      await writeAtomically(out, csv);
      console.error(`${y.length} predictions written to ${out}`);
    }
  },
};

/** `wasmgrad info model.json`. */
export const info: Command = {
  strings: [],
  booleans: [],
  async run(args) {
    const [modelFile] = positionals('info', args, ['a model file']);
    const { net, json, preprocessing } = await readModel(modelFile);
    const opt = net.optimizer;
    console.log(`${bold(modelFile)}: ${String(json.format)}, version ${String(json.version)}`);
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
        c.kind === 'numeric' ? `(x − ${Number(c.mean.toPrecision(6))}) / ${Number(c.std.toPrecision(6))}` : `one-hot: ${c.categories.map((v) => JSON.stringify(v)).join(', ')}`]), 'lll'));
      const goal = preprocessing.target;
      console.log(`${bold('Target')} ${goal.name}: ${goal.kind === 'classification' ? `classification, classes ${goal.classes.join(', ')}`
        : `regression (outputs scaled by ${Number(goal.std.toPrecision(6))}, plus ${Number(goal.mean.toPrecision(6))})`}`);
    } else {
      console.log(dim('  no CSV encoding (not written by "wasmgrad train"): predict cannot use it'));
    }
    net.dispose();
  },
};
