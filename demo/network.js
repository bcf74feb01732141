/**
 * The seed's 2-3-2 sigmoid network with the L2 loss, as a computational graph:
 *
 *   a¹ = x·w + b¹,  h = σ(a¹),  a² = h·u + b²,  y = σ(a²),  L = ½ Σ_k (y_k − t_k)²
 *
 * built from wasmgrad tensors (w, b¹, u, b² with requiresGrad), differentiated
 * with L.backward(), and drawn as a layered network (SVG): every unit with its
 * value and its delta (δ_k = ∂L/∂a²_k on the outputs, δ¹_j = ∂L/∂a¹_j on the
 * hidden units, both read from backward()'s gradients of a² and a¹), every
 * weight edge with its value and ∂L/∂weight. "One SGD step" applies
 * θ ← θ − η ∂L/∂θ with wasmgrad's ops and redraws. The numbers are those of
 * `npm start`, part 1.
 */
import { tensor, tidy, noGrad, l2Loss } from '../build/index.js';
import { format } from './graph.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The seed's readable parameters (in×out, as in a = x·w + b): w_ij joins x_i to h_j, u_jk joins h_j to y_k. */
export const SEED = Object.freeze({
  x: [0.5, 0.9],
  t: [1, 0],
  w: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
  b1: [0.1, 0.1, 0.1],
  u: [[0.7, 0.8], [0.9, 1.0], [1.1, 1.2]],
  b2: [0.1, 0.1],
});
export const ETA = 0.5;

const SUB = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
const sub = (...indices) => indices.map((i) => SUB[i]).join('');
const copy = (params) => ({ w: params.w.map((r) => [...r]), b1: [...params.b1], u: params.u.map((r) => [...r]), b2: [...params.b2] });

/** Four significant digits, for the small labels on the edges. */
function short(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  if (Math.abs(value) < 1e-4) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/**
 * One forward and backward pass with wasmgrad, inside tidy() so every tensor
 * (and every gradient) is freed before it returns; the result is plain numbers:
 * values, deltas, ∂L/∂θ, and the parameters after one SGD step.
 */
export function evaluateNetwork(params, x, t, eta = ETA) {
  return tidy(() => {
    const xs = tensor([x], { name: 'x' });
    const ts = tensor([t], { name: 't' });
    const w = tensor(params.w, { requiresGrad: true, name: 'w' });
    const b1 = tensor(params.b1, { requiresGrad: true, name: 'b¹' });
    const u = tensor(params.u, { requiresGrad: true, name: 'u' });
    const b2 = tensor(params.b2, { requiresGrad: true, name: 'b²' });
    const a1 = xs.matmul(w).add(b1); a1.name = 'a¹';
    const h = a1.sigmoid(); h.name = 'h';
    const a2 = h.matmul(u).add(b2); a2.name = 'a²';
    const y = a2.sigmoid(); y.name = 'y';
    const loss = l2Loss(y, ts); loss.name = 'L';
    loss.backward();
    const row = (t2) => [...t2.dataSync()];
    // θ ← θ − η ∂L/∂θ, with wasmgrad's ops (no graph recorded), read back as float32 values.
    const next = noGrad(() => {
      const stepped = (p) => p.sub(p.grad.mul(eta)).toArray();
      return { w: stepped(w), b1: stepped(b1), u: stepped(u), b2: stepped(b2) };
    });
    return {
      // The parameters as the library holds them (float32).
      params: { w: w.toArray(), b1: row(b1), u: u.toArray(), b2: row(b2) },
      x: row(xs), t: row(ts),
      a1: row(a1), h: row(h), a2: row(a2), y: row(y), loss: loss.item(),
      delta: row(a2.grad),          // δ_k = (y_k − t_k) y_k (1 − y_k) = ∂L/∂a²_k
      hiddenDelta: row(a1.grad),    // δ¹_j = Σ_k δ_k u_jk · h_j (1 − h_j) = ∂L/∂a¹_j
      dy: row(y.grad),              // ∂L/∂y_k = y_k − t_k
      grad: { w: w.grad.toArray(), b1: row(b1.grad), u: u.grad.toArray(), b2: row(b2.grad) },
      next,
    };
  });
}

/** The seed's formulas, by hand in float64, for ∂L/∂u_11 and ∂L/∂w_11 (from the library's float32 parameters). */
export function handGradients(params, x, t) {
  const sigma = (z) => 1 / (1 + Math.exp(-z));
  const h = [0, 1, 2].map((j) => sigma(params.b1[j] + x[0] * params.w[0][j] + x[1] * params.w[1][j]));
  const y = [0, 1].map((k) => sigma(params.b2[k] + h.reduce((s, hj, j) => s + hj * params.u[j][k], 0)));
  const delta = y.map((yk, k) => (yk - t[k]) * yk * (1 - yk));
  const back1 = delta[0] * params.u[0][0] + delta[1] * params.u[0][1];
  return { h, y, delta, back1, u11: delta[0] * h[0], w11: back1 * h[0] * (1 - h[0]) * x[0] };
}

function element(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Layout (SVG user units): columns input → hidden → output → loss; rows are unit centres.
const BOX = { w: 150, h: 84, inputH: 58, lossW: 130 };
const GAP = 220, LOSS_GAP = 110, ROW = 150, TOP = 46;
const COLUMN_X = [20, 20 + BOX.w + GAP, 20 + 2 * (BOX.w + GAP), 20 + 3 * BOX.w + 2 * GAP + LOSS_GAP];
const centreY = (row) => TOP + BOX.h / 2 + row * ROW;
const WIDTH = COLUMN_X[3] + BOX.lossW + 20, HEIGHT = centreY(2) + BOX.h / 2 + 16;
/** Where along an edge its label sits, from the 2-unit side: 1/4 keeps the six labels of a layer evenly apart. */
const LABEL_AT = 0.25;

const UNITS = [
  { id: 'x1', col: 0, row: 0.5, kind: 'leaf', title: `x${sub(1)}`, op: 'input' },
  { id: 'x2', col: 0, row: 1.5, kind: 'leaf', title: `x${sub(2)}`, op: 'input' },
  { id: 'h1', col: 1, row: 0, kind: 'op', title: `h${sub(1)}`, op: `σ(a¹${sub(1)})` },
  { id: 'h2', col: 1, row: 1, kind: 'op', title: `h${sub(2)}`, op: `σ(a¹${sub(2)})` },
  { id: 'h3', col: 1, row: 2, kind: 'op', title: `h${sub(3)}`, op: `σ(a¹${sub(3)})` },
  { id: 'y1', col: 2, row: 0.5, kind: 'op', title: `y${sub(1)}`, op: `σ(a²${sub(1)})` },
  { id: 'y2', col: 2, row: 1.5, kind: 'op', title: `y${sub(2)}`, op: `σ(a²${sub(2)})` },
  { id: 'L', col: 3, row: 1, kind: 'root', title: 'L', op: '½Σ(y − t)²' },
];

function unitBox(unit) {
  const width = unit.col === 3 ? BOX.lossW : BOX.w;
  const height = unit.kind === 'leaf' ? BOX.inputH : BOX.h;
  const cy = centreY(unit.row);
  return { x: COLUMN_X[unit.col], y: cy - height / 2, width, height, cy };
}

export class NetworkView {
  /** @param root the element holding the view; @param options.runtime what init() resolved to (its liveBlocks show that edits free their tensors). */
  constructor(root, { runtime } = {}) {
    this.root = root;
    this.runtime = runtime;
    const $ = (id) => root.querySelector(`[data-testid="${id}"]`);
    this.svg = $('net-svg');
    this.inputs = { x1: $('net-input-x1'), x2: $('net-input-x2'), t1: $('net-input-t1'), t2: $('net-input-t2') };
    this.stepButton = $('net-step');
    this.resetButton = $('net-reset');
    this.lossOut = $('net-loss');
    this.stepsOut = $('net-steps');
    this.statusOut = $('net-status');
    this.checkOut = $('net-check');
    this.message = $('net-message');
    this.params = copy(SEED);
    this.steps = 0;
    this.result = null;
    this.build();
    for (const input of Object.values(this.inputs)) input.addEventListener('input', () => this.update());
    this.stepButton.addEventListener('click', () => this.step());
    this.resetButton.addEventListener('click', () => this.reset());
    this.update();
  }

  /** Draws units, edges and labels once; update() fills in the numbers. */
  build() {
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    const defs = element('defs');
    const marker = element('marker', {
      id: 'net-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse',
    });
    marker.append(element('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8a94a8' }));
    defs.append(marker);
    this.svg.append(defs);

    const headings = [
      [COLUMN_X[0] + BOX.w / 2, 'input x'],
      [COLUMN_X[1] + BOX.w / 2, 'hidden h = σ(x·w + b¹)'],
      [COLUMN_X[2] + BOX.w / 2, 'output y = σ(h·u + b²)'],
      [COLUMN_X[3] + BOX.lossW / 2, 'loss'],
    ];
    for (const [x, label] of headings) this.svg.append(element('text', { x, y: 18, class: 'layer-label', 'text-anchor': 'middle' }, label));

    const byId = Object.fromEntries(UNITS.map((u) => [u.id, unitBox(u)]));
    const lines = element('g', { class: 'net-edges' });
    const pills = element('g', { class: 'net-pills' });
    this.svg.append(lines, pills);

    // Weight edges: w_ij (x_i → h_j) labelled near x, u_jk (h_j → y_k) labelled near y.
    this.edges = [];
    const addWeightEdge = (param, i, j, from, to, labelFromStart) => {
      const x1 = from.x + from.width, y1 = from.cy, x2 = to.x - 2, y2 = to.cy;
      const f = labelFromStart ? LABEL_AT : 1 - LABEL_AT;
      const name = `${param}${sub(i + 1, j + 1)}`;
      const line = element('line', { x1, y1, x2, y2, class: 'net-edge', 'marker-end': 'url(#net-arrow)' });
      lines.append(line);
      const pill = element('g', {
        class: 'net-pill', 'data-testid': `net-edge-${param}${i + 1}${j + 1}`,
        transform: `translate(${x1 + f * (x2 - x1)} ${y1 + f * (y2 - y1)})`,
      });
      const title = element('title');
      const box = element('rect', { x: -40, y: -15, width: 80, height: 30, rx: 8 });
      const weight = element('text', { x: 0, y: -2.5, class: 'pill-weight', 'text-anchor': 'middle' });
      const gradient = element('text', { x: 0, y: 10.5, class: 'pill-grad', 'text-anchor': 'middle' });
      pill.append(title, box, weight, gradient);
      pills.append(pill);
      this.edges.push({ param, i, j, name, line, pill, title, box, weight, gradient });
    };
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) addWeightEdge('w', i, j, byId[`x${i + 1}`], byId[`h${j + 1}`], true);
    for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) addWeightEdge('u', j, k, byId[`h${j + 1}`], byId[`y${k + 1}`], false);

    // y_k → L, labelled with ∂L/∂y_k = y_k − t_k.
    this.lossEdges = [];
    for (let k = 0; k < 2; k++) {
      const from = byId[`y${k + 1}`], to = byId.L;
      const x1 = from.x + from.width, y1 = from.cy, x2 = to.x - 2, y2 = to.cy + (k === 0 ? -14 : 14);
      lines.append(element('line', { x1, y1, x2, y2, class: 'net-edge loss-edge', 'marker-end': 'url(#net-arrow)' }));
      const pill = element('g', { class: 'net-pill loss-pill', transform: `translate(${(x1 + x2) / 2} ${(y1 + y2) / 2})` });
      const title = element('title', {}, `∂L/∂y${sub(k + 1)} = y${sub(k + 1)} − t${sub(k + 1)}`);
      const box = element('rect', { x: -30, y: -10, width: 60, height: 20, rx: 10 });
      const label = element('text', { x: 0, y: 4, class: 'pill-grad', 'text-anchor': 'middle' });
      pill.append(title, box, label);
      pills.append(pill);
      this.lossEdges.push({ k, box, label });
    }

    // Units: value, a note (bias or target), and the delta.
    this.fields = {};
    for (const unit of UNITS) {
      const box = byId[unit.id];
      const group = element('g', { class: `node ${unit.kind}`, 'data-node': unit.id, transform: `translate(${box.x} ${box.y})` });
      group.append(element('rect', { width: box.width, height: box.height, rx: unit.kind === 'leaf' ? 16 : 8 }));
      group.append(element('text', { x: 12, y: 21, class: 'node-title' }, unit.title));
      group.append(element('text', { x: box.width - 12, y: 21, class: 'node-op', 'text-anchor': 'end' }, unit.op));
      const value = element('text', { x: 12, y: 42, class: 'node-value', 'data-testid': `net-value-${unit.id}` });
      group.append(value);
      const fields = { value };
      if (unit.kind !== 'leaf') {
        fields.note = element('text', { x: 12, y: 58, class: 'node-note' });
        fields.delta = element('text', { x: 12, y: 75, class: 'node-grad', 'data-testid': `net-delta-${unit.id}` });
        const title = element('title');
        group.prepend(title);
        fields.title = title;
        group.append(fields.note, fields.delta);
      }
      this.svg.append(group);
      this.fields[unit.id] = fields;
    }
  }

  /** The four inputs as numbers, or null (with a message) if one is not a number. */
  readInputs() {
    const values = {};
    let valid = true;
    for (const [key, input] of Object.entries(this.inputs)) {
      const number = Number(input.value);
      const ok = input.value.trim() !== '' && Number.isFinite(number);
      input.classList.toggle('invalid', !ok);
      valid &&= ok;
      values[key] = number;
    }
    return valid ? { x: [values.x1, values.x2], t: [values.t1, values.t2] } : null;
  }

  update() {
    const inputs = this.readInputs();
    this.stepButton.disabled = !inputs;
    if (!inputs) {
      this.message.textContent = 'Enter a number for x₁, x₂, t₁ and t₂.';
      return;
    }
    this.message.textContent = '';
    this.result = evaluateNetwork(this.params, inputs.x, inputs.t);
    this.draw(this.result);
    if (this.runtime) this.root.dataset.liveBlocks = String(this.runtime.liveBlocks);
  }

  /** θ ← θ − η ∂L/∂θ for all 17 parameters (computed by evaluateNetwork with wasmgrad's ops), then redraw. */
  step() {
    if (!this.result || this.stepButton.disabled) return;
    const before = this.result.loss;
    this.params = copy(this.result.next);
    this.steps++;
    this.update();
    const after = this.result.loss;
    this.statusOut.textContent = `Step ${this.steps}: L ${format(before)} → ${format(after)} `
      + `(${after < before ? 'down' : 'up'} ${format(Math.abs(before - after))}).`;
    this.statusOut.dataset.before = String(before);
    this.statusOut.dataset.after = String(after);
  }

  reset() {
    this.params = copy(SEED);
    this.steps = 0;
    this.statusOut.textContent = '';
    delete this.statusOut.dataset.before;
    delete this.statusOut.dataset.after;
    this.update();
  }

  draw(r) {
    const set = (node, text, value) => {
      node.textContent = text;
      node.dataset.value = String(value);
    };
    for (let i = 0; i < 2; i++) set(this.fields[`x${i + 1}`].value, `x${sub(i + 1)} = ${format(r.x[i])}`, r.x[i]);
    for (let j = 0; j < 3; j++) {
      const f = this.fields[`h${j + 1}`], n = sub(j + 1);
      set(f.value, `h${n} = ${format(r.h[j])}`, r.h[j]);
      f.note.textContent = `a¹${n} = ${short(r.a1[j])} · b¹${n} = ${short(r.params.b1[j])}`;
      set(f.delta, `δ¹${n} = ${format(r.hiddenDelta[j])}`, r.hiddenDelta[j]);
      f.title.textContent = `δ¹${n} = ∂L/∂a¹${n} = Σ_k δ_k u${n}k · h${n}(1 − h${n}) = ${format(r.hiddenDelta[j])}; also ∂L/∂b¹${n}`;
    }
    for (let k = 0; k < 2; k++) {
      const f = this.fields[`y${k + 1}`], n = sub(k + 1);
      set(f.value, `y${n} = ${format(r.y[k])}`, r.y[k]);
      f.note.textContent = `t${n} = ${format(r.t[k])} · b²${n} = ${short(r.params.b2[k])}`;
      set(f.delta, `δ${n} = ${format(r.delta[k])}`, r.delta[k]);
      f.title.textContent = `δ${n} = ∂L/∂a²${n} = (y${n} − t${n}) · y${n}(1 − y${n}) = ${format(r.delta[k])}; also ∂L/∂b²${n}`;
    }
    const loss = this.fields.L;
    set(loss.value, `L = ${format(r.loss)}`, r.loss);
    loss.note.textContent = `t = (${format(r.t[0])}, ${format(r.t[1])})`;
    set(loss.delta, '∂L/∂L = 1', 1);
    loss.title.textContent = 'L = ½ Σ_k (y_k − t_k)², the seed\'s L2 loss';

    // Edges: weight and ∂L/∂weight; thickness by |∂L/∂weight| (relative to the largest), colour by its sign.
    const largest = Math.max(...this.edges.map((e) => Math.abs(r.grad[e.param][e.i][e.j])), 1e-30);
    for (const e of this.edges) {
      const weight = r.params[e.param][e.i][e.j], g = r.grad[e.param][e.i][e.j];
      e.weight.textContent = `${e.name} = ${short(weight)}`;
      e.gradient.textContent = `∂ ${short(g)}`;
      const width = Math.max(64, 12 + 6.4 * Math.max(e.weight.textContent.length, e.gradient.textContent.length));
      e.box.setAttribute('x', String(-width / 2));
      e.box.setAttribute('width', String(width));
      const share = Math.abs(g) / largest;
      e.line.setAttribute('stroke-width', (1 + 5 * share).toFixed(2));
      e.line.classList.toggle('positive', g > 0);
      e.line.classList.toggle('negative', g < 0);
      e.gradient.classList.toggle('negative', g < 0);
      e.pill.dataset.weight = String(weight);
      e.pill.dataset.grad = String(g);
      const formula = e.param === 'u'
        ? `δ${sub(e.j + 1)} · h${sub(e.i + 1)}`
        : `Σ_k δ_k u${sub(e.j + 1)}k · h${sub(e.j + 1)}(1 − h${sub(e.j + 1)}) · x${sub(e.i + 1)}`;
      e.title.textContent = `${e.name} = ${format(weight)}; ∂L/∂${e.name} = ${formula} = ${format(g)}; `
        + `one step: ${e.name} ← ${format(weight)} − ${ETA} · ${format(g)} = ${format(r.next[e.param][e.i][e.j])}`;
    }
    for (const { k, box, label } of this.lossEdges) {
      label.textContent = short(r.dy[k]);
      const width = Math.max(44, 14 + 6.4 * label.textContent.length);
      box.setAttribute('x', String(-width / 2));
      box.setAttribute('width', String(width));
    }

    set(this.lossOut, format(r.loss), r.loss);
    this.stepsOut.textContent = String(this.steps);

    // The seed's formulas for u_11 and w_11, by hand in float64, next to backward()'s float32 results.
    const hand = handGradients(r.params, r.x, r.t);
    const f = (v) => format(v);
    const [d1, d2] = hand.delta, h1 = hand.h[0];
    this.checkOut.innerHTML = `
      <span class="formula">∂L/∂u₁₁ = δ₁ h₁ = (y₁ − t₁) y₁(1 − y₁) · h₁ = ${f(d1)} · ${f(h1)}</span>
      = <b data-testid="net-hand-u11" data-value="${hand.u11}">${f(hand.u11)}</b> by hand;
      <code>backward()</code> gave <b data-testid="net-grad-u11" data-value="${r.grad.u[0][0]}">${f(r.grad.u[0][0])}</b>.<br>
      <span class="formula">∂L/∂w₁₁ = (δ₁ u₁₁ + δ₂ u₁₂) · h₁(1 − h₁) · x₁ = (${f(d1)} · ${f(r.params.u[0][0])} + ${f(d2)} · ${f(r.params.u[0][1])})
      · ${f(h1 * (1 - h1))} · ${f(r.x[0])}</span>
      = <b data-testid="net-hand-w11" data-value="${hand.w11}">${f(hand.w11)}</b> by hand;
      <code>backward()</code> gave <b data-testid="net-grad-w11" data-value="${r.grad.w[0][0]}">${f(r.grad.w[0][0])}</b>.`;
  }
}
