/**
 * A network's one-row weight panels: a copy of each wide layer's W laid out
 * in column panels (assembly/gemv-panel.ts), which the wasm forward pass reads
 * instead of W for a single sample (1.1–1.3× faster on 1024-wide layers here:
 * `node bench/gemv.mjs --only panels`). Same bits as without them.
 *
 * The copy costs memory (a second W) and a pass over W to write, so it is
 * made only once PACK_AFTER_FORWARDS one-row predicts have run on the same
 * weights: a loop that trains a step and predicts one sample in turn never
 * pays for it, a service answering single requests does once. Every weight
 * change marks the copy stale (the wasm training kernels themselves, and
 * Network.setWeights and the restoring of best weights through
 * `weightsChanged`); it is refreshed in place at the next threshold.
 *
 * Nothing here is needed for correctness: if the memory cannot be had, the
 * network runs without panels.
 */
import type { Kernels } from '../backend/backend.js';
import { isWasmgradError } from '../errors.js';
import type { Heap } from '../heap.js';
import { PANELS_READY, readPanelsState, writeLayerPanels, writePanelsState } from './layout.js';

/** One-row forwards on unchanged weights before the panels are made. */
export const PACK_AFTER_FORWARDS = 16;
/** A network's panels take at most this many bytes; a larger model runs without them (linear memory is 4 GiB at most). */
export const PANEL_BUDGET_BYTES = 256 * 2 ** 20;

const ALIGN = 64;

export class WeightPanels {
  readonly #kernels: Pick<Kernels, 'mlpPanelBytes' | 'mlpPackPanels'>;
  readonly #heap: Heap;
  readonly #layerCount: number;
  /** The panels' block, 0 until made (and after `release`). */
  #block = 0;
  /** False once this network is known to keep none (js backend, no wide layer on one thread, over budget, no memory). */
  #wanted = true;

  constructor(kernels: Pick<Kernels, 'mlpPanelBytes' | 'mlpPackPanels'>, heap: Heap, layerCount: number) {
    this.#kernels = kernels;
    this.#heap = heap;
    this.#layerCount = layerCount;
  }

  /** Before a one-row forward of the network whose descriptor is at `desc`: counts it, and packs at the threshold. */
  beforeOneRow(desc: number): void {
    if (!this.#wanted) return;
    const state = readPanelsState(this.#heap.views.i32, desc);
    if (state === PANELS_READY) return;
    if (state + 1 < PACK_AFTER_FORWARDS) {
      writePanelsState(this.#heap.views.i32, desc, state + 1);
      return;
    }
    if (!this.#block && !this.#allocate(desc)) return;
    this.#kernels.mlpPackPanels(desc);
  }

  /** The weights were written from outside the kernels: the panels no longer hold them. */
  weightsChanged(desc: number): void {
    writePanelsState(this.#heap.views.i32, desc, 0);
  }

  /** Frees the panels (the network was disposed, or its descriptor rewritten without them). */
  release(): void {
    if (this.#block) this.#heap.free(this.#block);
    this.#block = 0;
  }

  /** Takes the panels' memory and writes where each layer's are; false (and never again) when there are none to make. */
  #allocate(desc: number): boolean {
    const offsets: number[] = [];
    let total = 0;
    for (let l = 0; l < this.#layerCount; l++) {
      const bytes = this.#kernels.mlpPanelBytes(desc, l);
      offsets.push(bytes > 0 ? total : -1);
      total += Math.ceil(bytes / ALIGN) * ALIGN;
    }
    if (total === 0 || total > PANEL_BUDGET_BYTES) {
      this.#wanted = false;
      return false;
    }
    try {
      this.#block = this.#heap.alloc(total);
    } catch (error) {
      // Out of linear memory: the network keeps working, without panels. Anything else is a bug to see.
      if (!isWasmgradError(error, 'WASMGRAD_OUT_OF_MEMORY')) throw error;
      this.#wanted = false;
      return false;
    }
    const i32 = this.#heap.views.i32;
    offsets.forEach((offset, l) => writeLayerPanels(i32, desc, l, offset < 0 ? 0 : this.#block + offset));
    return true;
  }
}
