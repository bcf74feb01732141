#!/usr/bin/env node
/**
 * The `wasmgrad` command: train a network on a CSV file, predict with it,
 * describe a model file. Messages go to stderr as one line,
 * `wasmgrad: <message>`, without stack traces (WASMGRAD_DEBUG=1 adds them):
 * they are for people, not for debugging the library. Exit statuses (see
 * errors.ts): 0 success, 1 the run failed (training diverged, a file could not
 * be written), 2 the input is wrong (command line, data file or model file).
 */
import { info, predict, train, type Command } from './commands.js';
import { exportOnnx } from './onnx.js';
import { parseArgs } from './args.js';
import { HIDDEN_ACTIVATIONS, LOSS_CHOICES, OPTIMIZER_CHOICES, choicesHelp } from './choices.js';
import { errorLine, exitStatus, isUsageError, usageError } from './errors.js';
import { internalError } from '../errors.js';

// A Map, not an object literal: `wasmgrad __proto__` or `help constructor` must be unknown commands, not Object.prototype's.
const COMMANDS: ReadonlyMap<string, Command> = new Map([['train', train], ['predict', predict], ['info', info], ['export', exportOnnx]]);
const COMMAND_LIST = [...COMMANDS.keys()].join(', ');

const HELP = new Map<string, string>(Object.entries({
  main: `Usage: wasmgrad <command> [options]

Commands:
  train <data.csv> --target COLUMN   train a network on a CSV file and save it
  predict <model.wgm> <data.csv>     predict with a saved model (CSV on stdout)
  info <model.wgm>                   show a model's architecture and encoding
  export <model.wgm> <model.onnx>    write the model as ONNX, for ONNX Runtime

Run "wasmgrad <command> --help" for a command's options,
"wasmgrad --version" for the version.

Exit status:
  0  success
  1  the run failed: training diverged (try a smaller --learning-rate), an
     output file could not be written
  2  the input is wrong: an unknown command or option, a flag value out of
     range, a malformed data or model file (the message names the line and
     column), a number beyond float32's range (±3.4e38)

Errors are printed as one line, "wasmgrad: <message>"; set WASMGRAD_DEBUG=1
to add the stack trace.`,
  train: `Usage: wasmgrad train <data.csv> --target COLUMN [options]

The CSV needs a header row; fields are separated by commas, or by the
semicolons or tabs the header uses (detected), or by --delimiter. Numeric
columns are standardized, other columns one-hot encoded. A non-numeric target means classification (softmax output,
categorical cross-entropy); a numeric one regression (linear output, MSE).

Every number in the file must be finite in float32 (within ±3.4e38), and so
must every standardized value; a file that breaks this is refused (exit 2)
with the line and column named, so no model is saved that cannot be loaded.

Options (N: a whole number in plain digits, such as 16, not 0x10 or 1e1;
X: a decimal number such as 0.01 or 1e-3, without a sign):
  --target COLUMN          the column to predict (required)
  --classification         treat a numeric target's values as classes
  --categorical A,B        one-hot encode these columns even if numeric
  --ignore A,B             leave these columns out (ids, free text)
  --missing HOW            empty cells: fail (default), drop (the rows), mean
                           or mode (fill inputs in with the training mean or
                           most frequent value, saved in the model for
                           predict); rows with an empty target are dropped
  --delimiter C            the field separator: one character or "tab"
                           (default: comma, semicolon or tab, from the header)
  --layers 16,8            hidden layer sizes, or "none" (default 16)
${choicesHelp('--activation NAME', 'hidden activation:', HIDDEN_ACTIVATIONS, 'relu')}
${choicesHelp('--loss NAME', '', LOSS_CHOICES)}
${choicesHelp('--optimizer NAME', '', OPTIMIZER_CHOICES, 'adam')}
  --learning-rate X        step size, positive (default 0.01)
  --epochs N               passes over the data (default 100)
  --batch-size N           samples per step (default 32)
  --validation-split X     fraction held out to validate, 0 for none (default
                           0.2): a seeded random choice, stratified by class
  --early-stopping N       stop after N epochs without a better validation
                           loss (training loss without validation), keeping
                           the best epoch's weights
  --seed N                 seeds weights, shuffling and the split (default 1)
  --out FILE               where to write the model file (default model.wgm)

The model file is wasmgrad's (binary, version 2: load it with load() or
fromBytes()), with the CSV encoding in its preprocessing field; it is read
back before it is written, so a saved model always loads.`,
  predict: `Usage: wasmgrad predict <model.wgm> <data.csv> [--out predictions.csv]

Encodes the CSV as the model's training file was (columns found by name;
empty cells filled in as training did with --missing mean or mode) and
writes one row per input: for classification the predicted class and one
probability column per class, for regression the predicted value.

Options:
  --out FILE       write the CSV to FILE instead of stdout
  --keep A,B       copy these columns (ids) into the output, first
  --delimiter C    the input's field separator: one character or "tab"
                   (default: detected from the header); the output uses commas`,
  info: `Usage: wasmgrad info <model.wgm>

Shows the layers, loss, optimizer and parameter count of a model file, and the
CSV encoding saved by "wasmgrad train". The encoding is checked against the
network (one input per encoded value, one output per class).`,
  export: `Usage: wasmgrad export <model.wgm> <model.onnx>

Writes the model as an ONNX model (opset 17) that ONNX Runtime runs: input
"input" [batch, inputs], output "output" [batch, outputs]. The numeric
columns' standardization is inside the graph (leading Sub and Div nodes), and
so is a regression target's (trailing Mul and Add), so the graph takes the
CSV's numbers and answers in the target's units. Text columns stay outside:
one-hot encode them yourself, in the column order "wasmgrad info" shows.
Empty cells are not filled in: fill them before calling the model.`,
}));

/** The version in the package's package.json (two folders up from build/cli/main.js). */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw internalError('package.json has no version');
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw usageError(`no command given: the commands are ${COMMAND_LIST} (see "wasmgrad --help")`);
  if (name === '--version' || name === '-v') {
    if (rest.length > 0) throw usageError(`--version takes nothing after it, got "${rest[0]}"`);
    console.log(await version());
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest.length > 0 && !COMMANDS.has(rest[0])) throw usageError(`no help for "${rest[0]}": the commands are ${COMMAND_LIST}`);
    console.log(HELP.get(name === 'help' && rest.length > 0 ? rest[0] : 'main'));
    return 0;
  }
  const command = COMMANDS.get(name);
  if (!command) throw usageError(`unknown command "${name}": the commands are ${COMMAND_LIST} (see "wasmgrad --help")`);
  try {
    const { positionals, flags } = parseArgs(name, rest, command);
    if (flags.help) {
      console.log(HELP.get(name));
      return 0;
    }
    await command.run(positionals, flags);
    return 0;
  } catch (error) {
    // Point at the help of the command that was misused, not the general one.
    if (isUsageError(error)) (error as Error).message += ` (see "wasmgrad ${name} --help" for its options)`;
    throw error;
  }
}

// Output piped into a reader that stops early (`wasmgrad predict … | head`) closes stdout under us: like `yes | head`,
// stop writing quietly instead of dying on an unhandled EPIPE. The work goes on (train still saves its model), and the
// exit status is the work's. After the first EPIPE, further writes fail the same way; they are ignored too.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (stdoutClosed || error.code === 'EPIPE') {
    stdoutClosed = true;
    return;
  }
  process.stderr.write(`${errorLine(error, Boolean(process.env.WASMGRAD_DEBUG))}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`${errorLine(error, Boolean(process.env.WASMGRAD_DEBUG))}\n`);
    process.exitCode = exitStatus(error);
  },
);
