/**
 * The computational graph of z = (3x + 4y)³, built with wasmgrad's tensors,
 * differentiated with z.backward(), and drawn as SVG: every node with its
 * value and its gradient ∂z/∂node; every edge with the local derivative
 * that the chain rule multiplies along it.
 */
import { scalar, tidy, trace, toDot } from '../build/index.js';

const SVG = 'http://www.w3.org/2000/svg';

// Layout (SVG user units): inputs on the left, z on the right.
const NODES = [
  { id: 'x', label: 'x', col: 0, row: 0, kind: 'leaf' },
  { id: 'y', label: 'y', col: 0, row: 1, kind: 'leaf' },
  { id: '3x', label: '3x', col: 1, row: 0, kind: 'op', op: '× 3' },
  { id: '4y', label: '4y', col: 1, row: 1, kind: 'op', op: '× 4' },
  { id: 's', label: '3x + 4y', col: 2, row: 0.5, kind: 'op', op: '+' },
  { id: 'z', label: 'z', col: 3, row: 0.5, kind: 'root', op: '( · )³' },
];
const EDGES = [
  { from: 'x', to: '3x', local: () => 3, formula: '∂(3x)/∂x = 3' },
  { from: 'y', to: '4y', local: () => 4, formula: '∂(4y)/∂y = 4' },
  { from: '3x', to: 's', local: () => 1, formula: '∂(3x+4y)/∂(3x) = 1' },
  { from: '4y', to: 's', local: () => 1, formula: '∂(3x+4y)/∂(4y) = 1' },
  { from: 's', to: 'z', local: (v) => Math.fround(3 * v.s ** 2), formula: '∂z/∂(3x+4y) = 3(3x+4y)²' },
];
const BOX = { w: 150, h: 74 };
const COL = 225, ROW = 120;
const position = (node) => ({ x: 20 + node.col * COL, y: 20 + node.row * ROW });

/** Shortest exact-looking text for a float32 result. */
export function format(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const text = Number(value.toPrecision(6)).toString();
  return text.length > 12 ? value.toExponential(4) : text;
}

function element(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** z = (3x + 4y)³ and its gradients, with wasmgrad; returns plain numbers and the trace text. */
export function evaluateGraph(xValue, yValue) {
  return tidy(() => {
    const x = scalar(xValue, { requiresGrad: true, name: 'x' });
    const y = scalar(yValue, { requiresGrad: true, name: 'y' });
    const a = x.mul(3); a.name = '3x';
    const b = y.mul(4); b.name = '4y';
    const s = a.add(b); s.name = '3x+4y';
    const z = s.pow(3); z.name = 'z';
    z.backward();
    const tensors = { x, y, '3x': a, '4y': b, s, z };
    const value = {}, gradient = {};
    for (const [id, tensor] of Object.entries(tensors)) {
      value[id] = tensor.item();
      gradient[id] = tensor.grad ? tensor.grad.item() : NaN;
    }
    return { value, gradient, trace: trace(z), dot: toDot(z) };
  });
}

export class GraphView {
  constructor(root) {
    this.root = root;
    this.svg = root.querySelector('[data-testid="graph-svg"]');
    this.inputX = root.querySelector('[data-testid="input-x"]');
    this.inputY = root.querySelector('[data-testid="input-y"]');
    this.traceOut = root.querySelector('[data-testid="graph-trace"]');
    this.dotOut = root.querySelector('[data-testid="graph-dot"]');
    this.checkOut = root.querySelector('[data-testid="graph-check"]');
    this.message = root.querySelector('[data-testid="graph-message"]');
    this.build();
    for (const input of [this.inputX, this.inputY]) input.addEventListener('input', () => this.update());
    this.update();
  }

  /** Draws the boxes and arrows once; update() fills in the numbers. */
  build() {
    const width = 20 + 3 * COL + BOX.w + 20, height = 20 + ROW + BOX.h + 20;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const defs = element('defs');
    const marker = element('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(element('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8a94a8' }));
    defs.append(marker);
    this.svg.append(defs);

    const byId = Object.fromEntries(NODES.map((n) => [n.id, n]));
    this.edgeLabels = [];
    for (const edge of EDGES) {
      const from = position(byId[edge.from]), to = position(byId[edge.to]);
      const x1 = from.x + BOX.w, y1 = from.y + BOX.h / 2, x2 = to.x - 2, y2 = to.y + BOX.h / 2;
      const mid = (x1 + x2) / 2;
      this.svg.append(element('path', { d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, class: 'edge', 'marker-end': 'url(#arrow)' }));
      const pill = element('g', { class: 'edge-pill', transform: `translate(${mid} ${(y1 + y2) / 2})` });
      const title = element('title');
      const box = element('rect', { x: -20, y: -11, width: 40, height: 22, rx: 11 });
      const label = element('text', { x: 0, y: 4, 'text-anchor': 'middle' });
      pill.append(title, box, label);
      this.svg.append(pill);
      this.edgeLabels.push({ edge, label, box, title });
    }
    this.fields = {};
    for (const node of NODES) {
      const { x, y } = position(node);
      const group = element('g', { class: `node ${node.kind}`, 'data-node': node.id, transform: `translate(${x} ${y})` });
      group.append(element('rect', { width: BOX.w, height: BOX.h, rx: node.kind === 'leaf' ? 16 : 8 }));
      group.append(element('text', { x: 12, y: 21, class: 'node-title' }, node.label));
      if (node.op) group.append(element('text', { x: BOX.w - 12, y: 21, class: 'node-op', 'text-anchor': 'end' }, node.op));
      const value = element('text', { x: 12, y: 44, class: 'node-value', 'data-testid': `value-${node.id}` });
      const gradient = element('text', { x: 12, y: 64, class: 'node-grad', 'data-testid': `grad-${node.id}` });
      group.append(value, gradient);
      this.svg.append(group);
      this.fields[node.id] = { value, gradient };
    }
  }

  update() {
    const xValue = Number(this.inputX.value), yValue = Number(this.inputY.value);
    const valid = this.inputX.value.trim() !== '' && this.inputY.value.trim() !== '' && Number.isFinite(xValue) && Number.isFinite(yValue);
    this.inputX.classList.toggle('invalid', !(this.inputX.value.trim() !== '' && Number.isFinite(xValue)));
    this.inputY.classList.toggle('invalid', !(this.inputY.value.trim() !== '' && Number.isFinite(yValue)));
    if (!valid) {
      this.message.textContent = 'Enter a number for x and for y.';
      return;
    }
    const { value, gradient, trace: traceText, dot } = evaluateGraph(xValue, yValue);
    this.message.textContent = '';
    for (const node of NODES) {
      const { value: v, gradient: g } = this.fields[node.id];
      v.textContent = `value ${format(value[node.id])}`;
      v.dataset.value = String(value[node.id]);
      g.textContent = `∂z/∂${node.id === 's' ? '(3x+4y)' : node.id} = ${format(gradient[node.id])}`;
      g.dataset.value = String(gradient[node.id]);
    }
    for (const { edge, label, box, title } of this.edgeLabels) {
      const local = edge.local(value);
      label.textContent = format(local);
      const width = Math.max(40, 14 + 7.5 * label.textContent.length);
      box.setAttribute('x', String(-width / 2));
      box.setAttribute('width', String(width));
      title.textContent = `${edge.formula} = ${format(local)} (the local derivative)`;
    }
    this.traceOut.textContent = traceText;
    this.dotOut.textContent = dot;
    // The hand formulas next to backward's results (float32, so compared to float32 rounding).
    const s = 3 * xValue + 4 * yValue;
    this.checkOut.innerHTML = `By hand: ∂z/∂x = 9(3x+4y)² = <b>${format(Math.fround(9 * s * s))}</b>, `
      + `∂z/∂y = 12(3x+4y)² = <b>${format(Math.fround(12 * s * s))}</b>; backward() gave `
      + `<b data-testid="grad-x-text">${format(gradient.x)}</b> and <b data-testid="grad-y-text">${format(gradient.y)}</b>.`;
  }
}
