/**
 * Internal read access to a network's memory for the model-file writer, which
 * copies weights and optimizer state straight from linear memory (a 34M-weight
 * Adam network holds 400 MB of them: no second copy, no JSON string). Kept off
 * the public class: a Network registers itself here when it is built, and this
 * module is not exported from the package.
 */
import type { MemoryViews } from '../heap.js';
import { internalError } from '../errors.js';
import type { NetworkPlan } from './layout.js';

/** Where a network's block is now; valid until the next call that can allocate (and so grow or move memory). */
export interface NetworkMemory {
  readonly views: MemoryViews;
  /** Byte address of the network's block (0 once disposed). */
  readonly block: number;
  readonly plan: NetworkPlan;
}

const registry = new WeakMap<object, () => NetworkMemory>();

/** Called by the Network constructor. */
export function registerNetworkMemory(net: object, memory: () => NetworkMemory): void {
  registry.set(net, memory);
}

/** The memory of `net`, as it is now. */
export function networkMemory(net: object): NetworkMemory {
  const memory = registry.get(net);
  if (!memory) throw internalError('networkMemory: this object is not a network built by wasmgrad');
  return memory();
}
