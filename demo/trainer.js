/**
 * The live trainer: a network chosen with the controls learns a 2-D data set
 * while the loss curve and the decision boundary are redrawn every frame.
 *
 * Training runs on the page's thread in slices: each animation frame calls
 * `net.fitSync(x, t, { epochs: 1 })` as many times as the speed setting
 * allows (at most ~12 ms of work), then draws and gives the frame back, so
 * the controls stay responsive.
 */
import { sequential, dense, sgd, adam, adamw, rmsprop } from '../build/index.js';
// The registry is not public API, but the demo is part of the repository: its menu follows the table.
import { ACTIVATION_TABLE } from '../build/backend/kinds.js';
import { makeDataset, gridInputs } from './data.js';
import { BoundaryView, drawLossCurve } from './plot.js';

const GRID = 100;             // decision boundary resolution (GRID² predictions a frame)
const FRAME_BUDGET_MS = 12;   // most training time per frame at "max" speed
const MAX_HISTORY = 8192;     // points kept for the loss curve (then every other one is dropped)

const OPTIMIZERS = {
  adam: (learningRate) => adam({ learningRate }),
  adamw: (learningRate) => adamw({ learningRate, weightDecay: 0.001 }),
  rmsprop: (learningRate) => rmsprop({ learningRate }),
  momentum: (learningRate) => sgd({ learningRate, momentum: 0.9 }),
  sgd: (learningRate) => sgd({ learningRate }),
};

const $ = (root, testid) => root.querySelector(`[data-testid="${testid}"]`);

/** Fills the activation menu with every activation a hidden layer may have, keeping the page's default selected. */
function listActivations(select) {
  const chosen = select.value;
  select.replaceChildren(...ACTIVATION_TABLE.filter((a) => !a.lastLayerOnly).map((a) => {
    const option = document.createElement('option');
    option.value = a.name;
    option.textContent = a.label;
    option.selected = a.name === chosen;
    return option;
  }));
}

export class Trainer {
  constructor(root, { defaultBackend = 'wasm' } = {}) {
    this.root = root;
    this.controls = {
      dataset: $(root, 'dataset'), noise: $(root, 'noise'), layers: $(root, 'layers'), units: $(root, 'units'),
      activation: $(root, 'activation'), optimizer: $(root, 'optimizer'), learningRate: $(root, 'learning-rate'),
      batchSize: $(root, 'batch-size'), backend: $(root, 'backend'), speed: $(root, 'speed'),
    };
    listActivations(this.controls.activation);
    this.startButton = $(root, 'start');
    this.stepButton = $(root, 'step');
    this.resetButton = $(root, 'reset');
    this.out = {
      epochs: $(root, 'epochs'), loss: $(root, 'loss'), accuracy: $(root, 'accuracy'), rate: $(root, 'samples-per-second'),
      status: $(root, 'train-status'), architecture: $(root, 'architecture'), parameters: $(root, 'parameters'),
      norms: $(root, 'gradient-norms'),
    };
    this.lossCanvas = $(root, 'loss-curve');
    this.boundary = new BoundaryView($(root, 'boundary'), GRID);
    this.grid = gridInputs(GRID);
    this.gridOut = new Float32Array(GRID * GRID);
    this.net = null;
    this.running = false;
    this.loopToken = 0;
    if (defaultBackend === 'js') {
      this.controls.backend.value = 'js';
      this.controls.backend.querySelector('option[value="wasm"]').disabled = true;
    }

    this.startButton.addEventListener('click', () => {
      if (this.running) { this.stop(); this.render(); } else this.start();
    });
    this.stepButton.addEventListener('click', () => { this.stop(); this.trainEpochs(1); this.render(); });
    this.resetButton.addEventListener('click', () => this.reset());
    for (const [name, control] of Object.entries(this.controls)) {
      if (name === 'speed') continue;   // the speed applies from the next frame on
      control.addEventListener('change', () => this.reset({ keepRunning: true, newData: name === 'dataset' || name === 'noise' }));
    }
    window.addEventListener('resize', () => this.render());
    this.reset({ newData: true });
  }

  /** Reads the controls into a network configuration. */
  config() {
    const c = this.controls;
    return {
      layers: Number(c.layers.value), units: Number(c.units.value), activation: c.activation.value,
      optimizer: c.optimizer.value, learningRate: Number(c.learningRate.value),
      batchSize: c.batchSize.value === 'all' ? Infinity : Number(c.batchSize.value), backend: c.backend.value,
    };
  }

  /** A new network (and, when asked, new data); training goes on if it was running and keepRunning is set. */
  reset({ keepRunning = false, newData = false } = {}) {
    const wasRunning = this.running;
    this.stop();
    if (newData || !this.data) {
      this.data = makeDataset(this.controls.dataset.value, { noise: Number(this.controls.noise.value) });
    }
    this.net?.dispose();
    const config = this.config();
    const hidden = Array.from({ length: config.layers }, () => dense(config.units, { activation: config.activation }));
    this.net = sequential({
      inputSize: 2,
      layers: [...hidden, dense(1, { activation: 'sigmoid' })],
      loss: 'binaryCrossentropy',
      optimizer: OPTIMIZERS[config.optimizer](config.learningRate),
      seed: 1,
      backend: config.backend,
    });
    this.batchSize = Math.min(config.batchSize, this.data.count);
    this.losses = [];          // the loss of every lossStride-th epoch
    this.lossStride = 1;
    this.lastLoss = null;
    this.lastNorms = null;
    this.samples = 0;
    this.trainMs = 0;
    this.initialLoss = null;
    this.warning = null;
    this.error = null;
    this.out.architecture.textContent = ['2', ...hidden.map(() => String(config.units)), '1'].join(' → ');
    this.out.parameters.textContent = this.net.parameterCount.toLocaleString('en-US');
    this.render();
    if (keepRunning && wasRunning) this.start();
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.error = null;
    this.startButton.textContent = 'Pause';
    this.startButton.classList.add('running');
    this.root.dataset.state = 'running';
    const token = ++this.loopToken;
    const frame = () => {
      if (!this.running || token !== this.loopToken) return;
      const speed = this.controls.speed.value;
      this.trainEpochs(speed === 'max' ? Infinity : Number(speed), FRAME_BUDGET_MS);
      this.render();
      if (this.running) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  stop() {
    this.running = false;
    this.loopToken++;
    this.startButton.textContent = 'Train';
    this.startButton.classList.remove('running');
    this.root.dataset.state = 'stopped';
  }

  /** Trains up to `epochs` epochs, one fitSync call each, stopping early once `budgetMs` is spent. */
  trainEpochs(epochs, budgetMs = Infinity) {
    const { x, t, count } = this.data;
    const started = performance.now();
    for (let done = 0; done < epochs; done++) {
      const before = performance.now();
      try {
        const history = this.net.fitSync(x, t, {
          epochs: 1, batchSize: this.batchSize,
          onWarning: (message) => { this.warning = message; },
        });
        const loss = history.loss[0];
        if ((this.net.epochsTrained - 1) % this.lossStride === 0) this.losses.push(loss);
        if (this.losses.length >= MAX_HISTORY) {
          this.losses = this.losses.filter((_, i) => i % 2 === 0);
          this.lossStride *= 2;
        }
        this.initialLoss ??= loss;
        this.lastLoss = loss;
        this.lastNorms = history.gradientNorms?.[0] ?? this.lastNorms;
      } catch (error) {
        // Divergence (NaN/Infinity) stops training and keeps the last finite weights.
        this.error = error instanceof Error ? error.message : String(error);
        this.stop();
        return;
      }
      this.samples += count;
      const now = performance.now();
      this.trainMs += now - before;
      if (now - started >= budgetMs) return;
    }
  }

  render() {
    const { x, t } = this.data;
    if (!this.net || this.net.disposed) return;
    this.net.predict(this.grid, this.gridOut);
    this.boundary.draw(this.gridOut, x, t);
    drawLossCurve(this.lossCanvas, this.losses, this.lossStride);

    const epochs = this.net.epochsTrained;
    this.out.epochs.textContent = String(epochs);
    const loss = this.lastLoss;
    this.out.loss.textContent = loss === null ? '–' : formatLoss(loss);
    this.out.loss.dataset.value = loss === null ? '' : String(loss);
    this.out.loss.dataset.initial = this.initialLoss === null ? '' : String(this.initialLoss);
    const { accuracy } = this.net.evaluate(x, t, { metrics: ['accuracy'] });
    this.out.accuracy.textContent = epochs ? `${(accuracy * 100).toFixed(1)} %` : '–';
    this.out.accuracy.dataset.value = String(accuracy);
    this.out.rate.textContent = this.trainMs > 0 ? formatCount(this.samples / (this.trainMs / 1000)) : '–';
    this.out.norms.innerHTML = this.lastNorms
      ? this.lastNorms.map((norm, i) => `<span title="layer ${i + 1}: ‖∂L/∂W‖">L${i + 1} ${norm.toExponential(1)}</span>`).join('')
      : '–';
    const status = this.error
      ? `Stopped: ${this.error}`
      : this.warning ? `Note: ${this.warning}` : this.running ? 'Training…' : epochs ? 'Paused.' : 'Ready.';
    this.out.status.textContent = status;
    this.out.status.classList.toggle('error', Boolean(this.error));
  }
}

/** 1234567 → "1.23 M", 38200 → "38.2 k". */
export function formatCount(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

function formatLoss(loss) {
  return loss !== 0 && Math.abs(loss) < 0.001 ? loss.toExponential(2) : loss.toFixed(4);
}
