/**
 * The demo page: loads wasmgrad (plain ES modules from ../build/, no bundler),
 * then wires up the trainer, the graph views (z = (3x + 4y)³ and the seed's
 * 2-3-2 network) and the benchmark.
 *
 * Query parameters: ?backend=js (no WebAssembly), ?threads=2 (a worker pool;
 * needs a cross-origin isolated server: npm run demo:serve), ?benchMs=1500
 * (training time per backend in the benchmark), ?autostart=1.
 */
import { init } from '../build/index.js';
import { Trainer } from './trainer.js';
import { GraphView } from './graph.js';
import { NetworkView } from './network.js';
import { BenchView } from './bench.js';

const params = new URLSearchParams(location.search);
const runtimeOut = document.querySelector('[data-testid="runtime"]');

async function loadRuntime() {
  if (params.get('backend') === 'js') return { runtime: await init({ backend: 'js' }), note: 'pure TypeScript (?backend=js)' };
  const threads = params.get('threads') === 'auto' ? 'auto' : Number(params.get('threads') ?? 1);
  try {
    return { runtime: await init({ threads }), note: null };
  } catch (error) {
    // No WebAssembly or no SIMD here: the pure-TypeScript backend runs everything.
    console.warn(error);
    return { runtime: await init({ backend: 'js' }), note: `pure TypeScript (${error instanceof Error ? error.message : error})` };
  }
}

try {
  const { runtime, note } = await loadRuntime();
  const wasm = runtime.defaultBackend === 'wasm';
  const badges = [
    wasm ? '<b class="ok">WebAssembly SIMD</b>' : `<b class="warn">${note}</b>`,
    `${runtime.threads} thread${runtime.threads === 1 ? '' : 's'}`,
    globalThis.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated',
  ];
  runtimeOut.innerHTML = badges.map((badge) => `<span>${badge}</span>`).join('');
  runtimeOut.dataset.backend = runtime.defaultBackend;
  runtimeOut.dataset.threads = String(runtime.threads);

  const trainer = new Trainer(document.querySelector('#trainer'), { defaultBackend: runtime.defaultBackend });
  new GraphView(document.querySelector('#graph'));
  new NetworkView(document.querySelector('#network'), { runtime });
  new BenchView(document.querySelector('#bench'), {
    budgetMs: Number(params.get('benchMs') ?? 1500),
    wasmAvailable: wasm,
    beforeRun: () => trainer.stop(),
  });
  if (params.get('autostart') === '1') trainer.start();
  document.body.dataset.ready = 'true';
} catch (error) {
  const box = document.querySelector('[data-testid="boot-error"]');
  box.hidden = false;
  box.textContent = `The demo could not start: ${error instanceof Error ? error.stack : error}`;
  runtimeOut.textContent = 'Failed to load.';
  console.error(error);
}
