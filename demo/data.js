/**
 * Two-class data sets in the square [-DOMAIN, DOMAIN]², as row-major
 * Float32Arrays (x: two values a row, t: one 0/1 label a row), from a seeded
 * generator so that a page reload shows the same points.
 */
export const DOMAIN = 5;

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let r = Math.imul(state ^ (state >>> 15), 1 | state);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next) {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

const GENERATORS = {
  /** Two interleaved spirals, 1.75 turns each. */
  spirals(i, label, count, next, noise) {
    const r = (i / count) * 4.2 + 0.2;
    const angle = 1.75 * (i / count) * 2 * Math.PI + label * Math.PI;
    return [r * Math.sin(angle) + gaussian(next) * noise * 0.6, r * Math.cos(angle) + gaussian(next) * noise * 0.6];
  },
  /** A disc inside a ring. */
  circles(i, label, count, next, noise) {
    const r = label === 1 ? next() * 1.8 : 2.8 + next() * 1.6;
    const angle = next() * 2 * Math.PI;
    return [r * Math.sin(angle) + gaussian(next) * noise, r * Math.cos(angle) + gaussian(next) * noise];
  },
  /** The four quadrants: the label is 1 where the signs of the coordinates differ. */
  xor(i, label, count, next, noise) {
    for (;;) {
      const a = (next() * 2 - 1) * 4.5, b = (next() * 2 - 1) * 4.5;
      if (Math.abs(a) < 0.3 || Math.abs(b) < 0.3) continue;
      if ((a * b < 0 ? 1 : 0) === label) return [a + gaussian(next) * noise, b + gaussian(next) * noise];
    }
  },
  /** Two overlapping Gaussian blobs. */
  blobs(i, label, count, next, noise) {
    const centre = label === 1 ? 1.8 : -1.8;
    const spread = 1 + noise * 2;
    return [centre + gaussian(next) * spread, centre + gaussian(next) * spread];
  },
};

export const DATASETS = Object.keys(GENERATORS);

/** `perClass` points of each class, alternating, clamped to the domain. */
export function makeDataset(name, { perClass = 200, noise = 0.2, seed = 7 } = {}) {
  const generate = GENERATORS[name];
  if (!generate) throw new Error(`unknown data set ${name}`);
  const next = random(seed);
  const x = new Float32Array(perClass * 2 * 2);
  const t = new Float32Array(perClass * 2);
  for (let i = 0; i < perClass; i++) {
    for (let label = 0; label < 2; label++) {
      const row = 2 * i + label;
      const [a, b] = generate(i, label, perClass, next, noise);
      x[2 * row] = Math.max(-DOMAIN, Math.min(DOMAIN, a));
      x[2 * row + 1] = Math.max(-DOMAIN, Math.min(DOMAIN, b));
      t[row] = label;
    }
  }
  return { x, t, count: perClass * 2 };
}

/** The inputs of a size×size grid over the domain, row-major, row 0 at the top (y = +DOMAIN). */
export function gridInputs(size) {
  const grid = new Float32Array(size * size * 2);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const i = row * size + col;
      grid[2 * i] = -DOMAIN + ((col + 0.5) / size) * 2 * DOMAIN;
      grid[2 * i + 1] = DOMAIN - ((row + 0.5) / size) * 2 * DOMAIN;
    }
  }
  return grid;
}
