import { checkConfig } from './config.js';
import { Network } from './network.js';
import type { SequentialConfig } from './network-types.js';

export type { SequentialConfig };
/** Re-exported for the readers of saved networks (fromJSON, fromTfjs). */
export { checkConfig };

/**
 * Builds a network of dense layers, trained by backpropagation. Requires
 * `await init()` first. The config is checked (unknown fields, null values,
 * holes in `layers` are refused) before any memory is taken.
 */
export function sequential(config: SequentialConfig): Network {
  return new Network(checkConfig('sequential', config));
}
