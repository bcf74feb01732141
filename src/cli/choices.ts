/**
 * The CLI's choices for --activation, --loss and --optimizer, and their help
 * lines, read from the registries (src/backend/kinds.ts): a new activation,
 * loss or optimizer is offered without touching the CLI.
 */
import { ACTIVATION_TABLE, LOSSES, OPTIMIZER_TYPES, type Activation, type Loss, type OptimizerType } from '../backend/kinds.js';

/** Hidden-layer activations: those not restricted to the last layer. */
export const HIDDEN_ACTIVATIONS: readonly Activation[] = ACTIVATION_TABLE.filter((a) => !a.lastLayerOnly).map((a) => a.name);
export const LOSS_CHOICES: readonly Loss[] = LOSSES;
export const OPTIMIZER_CHOICES: readonly OptimizerType[] = OPTIMIZER_TYPES;

const HELP_WIDTH = 80;
const DESCRIPTION_COLUMN = 27;

/**
 * An option's help line: `  --flag NAME` then, from column 27, the
 * description and the choices, wrapped at 80 columns under that column.
 */
export function choicesHelp(flag: string, description: string, choices: readonly string[], fallback?: string): string {
  const words = [...(description ? description.split(' ') : []), ...choices, ...(fallback ? [`(default ${fallback})`] : [])];
  const lines: string[] = [];
  let line = `  ${flag}`.padEnd(DESCRIPTION_COLUMN - 1);
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = ' '.repeat(DESCRIPTION_COLUMN - 1);
      empty = true;
    }
    line += ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}
