/**
 * A network's JSON form (format 1, `Network.toJSON`; read back by fromJSON in
 * src/nn/serialize.ts): architecture, optimizer settings and progress, and
 * weights and optimizer state as float32 base64 text, read from the network's
 * memory.
 */
import { checkJSONSize, float32ToBase64 } from './base64.js';
import { readStep } from './layout.js';
import type { Network } from './network.js';
import { savedMultiplier } from './model-checks.js';
import { networkMemory } from './network-memory.js';
import type { NetworkJSON, OptimizerState } from './network-types.js';
import { stateArrays } from './optimizers.js';

/** `net.toJSON()` (`where` names the caller in errors; the network is live). */
export function networkJSON(where: string, net: Network): NetworkJSON {
  const arrays = stateArrays(net.optimizer);
  // Past about 100 million values the text cannot be one string: say so, and point to the binary file.
  checkJSONSize(where, net.parameterCount * (1 + arrays), 2 * net.layers.length + arrays);
  const { views, block, plan } = networkMemory(net);
  const base64 = (offset: number, count: number) => {
    const start = (block + offset) >>> 2;
    return float32ToBase64(views.f32.subarray(start, start + count));
  };
  const optimizerState: OptimizerState = {
    step: readStep(views.f64, block),
    epoch: net.epochsTrained,
    ...savedMultiplier(net.learningRateMultiplier),
    ...(plan.state1 ? { state1: base64(plan.state1, plan.paramCount) } : {}),
    ...(plan.state2 ? { state2: base64(plan.state2, plan.paramCount) } : {}),
  };
  return {
    format: 'wasmgrad-network',
    version: 1,
    inputSize: net.inputSize,
    layers: net.layers.map(({ type, units, activation, initializer, dropout }) => ({ type, units, activation, initializer, dropout })),
    loss: net.loss,
    optimizer: JSON.parse(JSON.stringify(net.optimizer)),
    optimizerState,
    seed: net.seed,
    weights: plan.layers.map((layer) => ({
      weights: base64(layer.weights, layer.inSize * layer.outSize),
      bias: base64(layer.bias, layer.outSize),
    })),
  };
}
