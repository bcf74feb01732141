#!/usr/bin/env node
/**
 * The `wasmgrad` command: train a network on a CSV file, predict with it,
 * describe a model file. Exit codes: 0 success, 1 a problem with a data or
 * model file, 2 a mistake on the command line. Messages go to stderr, without
 * stack traces: they are for people, not for debugging the library.
 */
import { info, parseArgs, predict, train, UsageError, type Command } from './commands.js';

const COMMANDS: Record<string, Command> = { train, predict, info };

const HELP: Record<string, string> = {
  main: `Usage: wasmgrad <command> [options]

Commands:
  train <data.csv> --target COLUMN   train a network on a CSV file and save it
  predict <model.json> <data.csv>    predict with a saved model (CSV on stdout)
  info <model.json>                  show a model's architecture and encoding

Run "wasmgrad <command> --help" for a command's options.`,
  train: `Usage: wasmgrad train <data.csv> --target COLUMN [options]

The CSV needs a header row. Numeric columns are standardized, other columns
one-hot encoded. A non-numeric target means classification (softmax output,
categorical cross-entropy); a numeric one regression (linear output, MSE).

Options:
  --target COLUMN          the column to predict (required)
  --classification         treat a numeric target's values as classes
  --categorical A,B        one-hot encode these columns even if numeric
  --layers 16,8            hidden layer sizes, or "none" (default 16)
  --activation NAME        hidden activation: linear sigmoid tanh relu leakyRelu
                           elu softplus (default relu)
  --loss NAME              l2 mse binaryCrossentropy categoricalCrossentropy
  --optimizer NAME         adam sgd rmsprop (default adam)
  --learning-rate X        step size (default 0.01)
  --epochs N               passes over the data (default 100)
  --batch-size N           samples per step (default 32)
  --validation-split F     fraction held out to validate, 0 for none (default 0.2)
  --seed N                 seeds weights, shuffling and the split (default 1)
  --out FILE               where to write the model (default model.json)`,
  predict: `Usage: wasmgrad predict <model.json> <data.csv> [--out predictions.csv]

Encodes the CSV as the model's training file was (columns found by name) and
writes one row per input: for classification the predicted class and one
probability column per class, for regression the predicted value.

Options:
  --out FILE    write the CSV to FILE instead of stdout`,
  info: `Usage: wasmgrad info <model.json>

Shows the layers, loss, optimizer and parameter count of a model file, and the
CSV encoding saved by "wasmgrad train".`,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] in COMMANDS ? rest[0] : 'main';
    (name === undefined ? console.error : console.log)(HELP[topic]);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}" (the commands are ${Object.keys(COMMANDS).join(', ')}; see "wasmgrad --help")`);
  try {
    const { positionals, flags } = parseArgs(name, rest, command);
    if (flags.help) {
      console.log(HELP[name]);
      return 0;
    }
    await command.run(positionals, flags);
    return 0;
  } catch (error) {
    // Point at the help of the command that was misused, not the general one.
    if (error instanceof UsageError) error.message += `\nRun "wasmgrad ${name} --help" for its options.`;
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    const usage = error instanceof UsageError;
    // Data errors and the library's own errors (RangeError, TypeError) carry messages meant for people.
    // WASMGRAD_DEBUG=1 shows the stack, for reporting a bug in wasmgrad itself.
    const debug = Boolean(process.env.WASMGRAD_DEBUG) && error instanceof Error;
    process.stderr.write(`wasmgrad: ${debug ? error.stack : error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
