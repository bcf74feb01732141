/**
 * Canvas drawing for the trainer: the decision boundary with the data on top,
 * and the loss curve (log scale).
 */
import { DOMAIN } from './data.js';

// Class colours: 0 orange, 1 blue; the background fades to white where the network is unsure.
const CLASS0 = [245, 142, 46];
const CLASS1 = [47, 111, 222];

/** Sizes the canvas's backing store for the device pixel ratio; returns its 2-D context in CSS pixels. */
export function setupCanvas(canvas) {
  const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const { width, height } = canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(width)), h = Math.max(1, Math.round(height));
  if (canvas.width !== w * ratio || canvas.height !== h * ratio) {
    canvas.width = w * ratio;
    canvas.height = h * ratio;
  }
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width: w, height: h };
}

/**
 * Draws the network's output over a size×size grid (`probabilities`, row 0 at
 * the top) and the points over it. The grid is upsampled in logit space
 * (bilinear), where a trained network's output is smooth, so the boundary
 * p = 0.5 comes out as a smooth curve rather than grid cells.
 */
export class BoundaryView {
  constructor(canvas, size) {
    this.canvas = canvas;
    this.size = size;
    this.logits = new Float32Array(size * size);
    this.offscreen = document.createElement('canvas');
    this.offContext = this.offscreen.getContext('2d');
    this.image = null;
  }

  draw(probabilities, x, t) {
    const { context, width, height } = setupCanvas(this.canvas);
    const pixels = Math.max(16, Math.min(400, Math.round(width * Math.min(2, window.devicePixelRatio || 1))));
    if (!this.image || this.image.width !== pixels) {
      this.offscreen.width = pixels;
      this.offscreen.height = pixels;
      this.image = this.offContext.createImageData(pixels, pixels);
    }
    const n = this.size, logits = this.logits;
    for (let i = 0; i < n * n; i++) {
      const p = probabilities ? Math.min(1 - 1e-6, Math.max(1e-6, probabilities[i])) : 0.5;
      logits[i] = Math.log(p / (1 - p));
    }
    const { data } = this.image;
    const scale = n / pixels;
    for (let row = 0; row < pixels; row++) {
      const gy = Math.min(n - 1, Math.max(0, (row + 0.5) * scale - 0.5));
      const r0 = Math.floor(gy), r1 = Math.min(n - 1, r0 + 1), fy = gy - r0;
      for (let col = 0; col < pixels; col++) {
        const gx = Math.min(n - 1, Math.max(0, (col + 0.5) * scale - 0.5));
        const c0 = Math.floor(gx), c1 = Math.min(n - 1, c0 + 1), fx = gx - c0;
        const top = logits[r0 * n + c0] * (1 - fx) + logits[r0 * n + c1] * fx;
        const bottom = logits[r1 * n + c0] * (1 - fx) + logits[r1 * n + c1] * fx;
        const p = 1 / (1 + Math.exp(-(top * (1 - fy) + bottom * fy)));
        const certainty = Math.min(1, Math.abs(p - 0.5) * 2);
        const base = p >= 0.5 ? CLASS1 : CLASS0;
        const strength = 0.16 + 0.5 * certainty;
        const k = 4 * (row * pixels + col);
        data[k] = 255 + (base[0] - 255) * strength;
        data[k + 1] = 255 + (base[1] - 255) * strength;
        data[k + 2] = 255 + (base[2] - 255) * strength;
        data[k + 3] = 255;
      }
    }
    this.offContext.putImageData(this.image, 0, 0);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(this.offscreen, 0, 0, width, height);

    // Axes through the origin, faint.
    context.strokeStyle = 'rgba(29, 36, 51, 0.15)';
    context.lineWidth = 1;
    context.beginPath();
    context.moveTo(width / 2, 0); context.lineTo(width / 2, height);
    context.moveTo(0, height / 2); context.lineTo(width, height / 2);
    context.stroke();

    const px = (value) => ((value + DOMAIN) / (2 * DOMAIN)) * width;
    const py = (value) => ((DOMAIN - value) / (2 * DOMAIN)) * height;
    context.lineWidth = 1.2;
    for (let i = 0; i < t.length; i++) {
      const color = t[i] >= 0.5 ? CLASS1 : CLASS0;
      context.beginPath();
      context.arc(px(x[2 * i]), py(x[2 * i + 1]), 3.2, 0, 2 * Math.PI);
      context.fillStyle = `rgb(${color.join(',')})`;
      context.fill();
      context.strokeStyle = 'white';
      context.stroke();
    }
  }
}

/** Nice tick values for a log axis between lo and hi (powers of ten, and 2 and 5 times them when the range is short). */
function logTicks(lo, hi) {
  const ticks = [];
  const first = Math.floor(Math.log10(lo)), last = Math.ceil(Math.log10(hi));
  const steps = last - first <= 2 ? [1, 2, 5] : [1];
  for (let e = first; e <= last; e++) for (const m of steps) {
    const v = m * 10 ** e;
    if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
  }
  return ticks;
}

function formatTick(v) {
  if (v >= 1000 || v < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(2)));
}

/** The loss per epoch on a log scale (`losses[i]` is epoch i·stride + 1), with the latest value marked. */
export function drawLossCurve(canvas, losses, stride = 1) {
  const { context, width, height } = setupCanvas(canvas);
  context.clearRect(0, 0, width, height);
  const left = 46, right = 12, top = 12, bottom = 26;
  const plotW = width - left - right, plotH = height - top - bottom;

  context.font = '11px system-ui, sans-serif';
  context.fillStyle = '#5a6478';
  context.strokeStyle = '#e3e8f0';
  context.lineWidth = 1;

  if (losses.length === 0) {
    context.strokeRect(left, top, plotW, plotH);
    context.textAlign = 'center';
    context.fillText('press Train to start', left + plotW / 2, top + plotH / 2);
    return;
  }

  let lo = Infinity, hi = 0;
  for (const v of losses) if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) { lo = 1e-3; hi = 1; }
  lo = Math.max(lo, 1e-6);
  if (hi / lo < 10) { const mid = Math.sqrt(hi * lo); lo = mid / Math.sqrt(10); hi = mid * Math.sqrt(10); }
  const logLo = Math.log10(lo), logHi = Math.log10(hi);
  const yOf = (v) => top + plotH * (1 - (Math.log10(Math.max(v, lo)) - logLo) / (logHi - logLo));
  const n = losses.length;
  const xOf = (i) => left + (n <= 1 ? 0 : (i / (n - 1)) * plotW);

  // Grid and labels.
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const v of logTicks(lo, hi)) {
    const y = yOf(v);
    context.beginPath(); context.moveTo(left, y); context.lineTo(left + plotW, y); context.stroke();
    context.fillText(formatTick(v), left - 6, y);
  }
  context.textAlign = 'center';
  context.textBaseline = 'top';
  const lastEpoch = (n - 1) * stride;
  const epochStep = Math.max(1, niceStep(lastEpoch / 5));
  for (let e = 0; e <= lastEpoch; e += epochStep) {
    const x = left + (lastEpoch === 0 ? 0 : (e / lastEpoch) * plotW);
    context.fillText(String(e + 1), x, top + plotH + 6);
  }
  context.strokeStyle = '#c7cfdb';
  context.strokeRect(left, top, plotW, plotH);

  // The curve: at most one point per pixel column (min and max of each column, so spikes stay visible).
  context.strokeStyle = '#2f6fde';
  context.lineWidth = 1.8;
  context.lineJoin = 'round';
  context.beginPath();
  const perPixel = Math.max(1, n / plotW);
  for (let start = 0, first = true; start < n; start += perPixel) {
    const end = Math.min(n, Math.floor(start + perPixel));
    let min = Infinity, max = -Infinity;
    for (let i = Math.floor(start); i < Math.max(end, Math.floor(start) + 1); i++) { min = Math.min(min, losses[i]); max = Math.max(max, losses[i]); }
    const x = xOf(Math.floor(start));
    if (first) { context.moveTo(x, yOf(max)); first = false; } else context.lineTo(x, yOf(max));
    if (min !== max) context.lineTo(x, yOf(min));
  }
  context.stroke();

  const lastX = xOf(n - 1), lastY = yOf(losses[n - 1]);
  context.fillStyle = '#2f6fde';
  context.beginPath(); context.arc(lastX, lastY, 3.5, 0, 2 * Math.PI); context.fill();
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
