/**
 * Saving in the browser (src/nn/browser-stores.ts), in real Chromium:
 * indexeddb:// and localstorage:// survive a reload of the page and give the
 * same predictions, bit for bit; localStorage's real quota gives
 * WASMGRAD_QUOTA and keeps the old entry; a damaged entry is refused whole;
 * downloads:// produces the model file, and load(File) reads it back from an
 * <input type="file">.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserAndServer, withPage } from './helpers.js';

/** What setUp leaves on the page's globalThis. */
interface PageGlobals {
  w: typeof import('../../src/index.js');
  x: number[][];
  trained: (seed: number) => Promise<import('../../src/index.js').Network>;
}

const env = useBrowserAndServer();
let downloads: string;

beforeAll(() => {
  downloads = mkdtempSync(join(tmpdir(), 'wasmgrad-downloads-'));
});

afterAll(() => {
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** A blank page of the test server's origin (served by the route below), with a file input. */
const PAGE = '/persistence-test.html';
const HTML = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>persistence</title><input type="file" id="model">
<script type="module">import * as w from '/build/index.js'; await w.init(); globalThis.w = w;</script>`;

async function openBlank(page: Page): Promise<void> {
  await page.context().route(`**${PAGE}`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: HTML }));
  await page.goto(`${env.server.url}${PAGE}`);
}

/**
 * Waits for the page's module to import build/index.js into `window.w` and
 * initialise it, then defines the same small trained network every time (seeded).
 */
async function setUp(page: Page): Promise<void> {
  await page.waitForFunction(() => 'w' in globalThis, undefined, { timeout: 30_000 });
  await page.evaluate(async () => {
    const { w } = globalThis as unknown as PageGlobals;
    const x = [[0.1, 0.9, 0.3], [0.8, 0.2, 0.5], [0.4, 0.4, 0.9], [0.7, 0.6, 0.1]];
    const t = [[1, 0], [0, 1], [0, 1], [1, 0]];
    const trained = async (seed: number) => {
      const net = w.sequential({ inputSize: 3, layers: [w.dense(6, { activation: 'tanh' }), w.dense(2, { activation: 'softmax' })],
        loss: 'categoricalCrossentropy', optimizer: w.adam({ learningRate: 0.05 }), seed });
      await net.fit(x, t, { epochs: 20, batchSize: 2 });
      return net;
    };
    Object.assign(globalThis, { x, trained });
  });
}

/** The predictions of the model at `source` (a URL, or 'input' for the file input's File), or the error's code and message. */
async function loadAndPredict(page: Page, source: string): Promise<{ predictions?: number[][]; code?: string; message?: string }> {
  return page.evaluate(async (from) => {
    const g = globalThis as unknown as PageGlobals;
    const input = document.querySelector<HTMLInputElement>('#model');
    try {
      const net = await g.w.load(from === 'input' ? (input?.files?.[0] as File) : from);
      const predictions = net.predict(g.x);
      net.dispose();
      return { predictions };
    } catch (error) {
      return { code: (error as { code?: string }).code, message: (error as Error).message };
    }
  }, source);
}

describe('save and load in Chromium', () => {
  it('indexeddb:// and localstorage:// survive a reload with the same predictions', async () => {
    await withPage(env.browser, 'persistence-reload', async ({ page }) => {
      await openBlank(page);
      await setUp(page);
      const saved = await page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        const net = await g.trained(11);
        await g.w.save(net, 'indexeddb://my-net');
        await g.w.save(net, 'localstorage://my-net');
        const result = { predictions: net.predict(g.x) as number[][], bytes: g.w.toBytes(net).length as number };
        net.dispose();
        return result;
      });

      await page.reload();
      await setUp(page);
      for (const url of ['indexeddb://my-net', 'localstorage://my-net']) {
        const loaded = await loadAndPredict(page, url);
        expect(loaded, url).toEqual({ predictions: saved.predictions });
      }
      // The check can fail: another seed predicts otherwise.
      const other = await page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        const net = await g.trained(12);
        const p = net.predict(g.x);
        net.dispose();
        return p;
      });
      expect(other).not.toEqual(saved.predictions);

      // listModels and removeModel, as TF.js has them.
      const listed = await page.evaluate(() => (globalThis as unknown as PageGlobals).w.listModels());
      expect(listed).toEqual({ 'indexeddb://my-net': { bytes: saved.bytes }, 'localstorage://my-net': { bytes: saved.bytes } });
      await page.evaluate(() => (globalThis as unknown as PageGlobals).w.removeModel('indexeddb://my-net'));
      expect(await loadAndPredict(page, 'indexeddb://my-net')).toEqual({ code: 'WASMGRAD_IO', message: expect.stringMatching(/^load: no model is saved at indexeddb:\/\/my-net/) });
      expect(await loadAndPredict(page, 'localstorage://my-net')).toEqual({ predictions: saved.predictions });
    });
  });

  it('past localStorage\'s quota: WASMGRAD_QUOTA suggesting indexeddb://, the old entry kept; indexeddb:// holds the model', async () => {
    await withPage(env.browser, 'persistence-quota', async ({ page }) => {
      await openBlank(page);
      await setUp(page);
      const result = await page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        const small = await g.trained(5);
        await g.w.save(small, 'localstorage://model');
        const before = localStorage.getItem('wasmgrad_models/model');
        // About 1.6 million weights, three copies with Adam's moments: 19 MB, 26 million characters as base64.
        const big = g.w.sequential({ inputSize: 784, layers: [g.w.dense(2048, { activation: 'relu' }), g.w.dense(10)], seed: 1 });
        let error: { code?: string; message?: string } = {};
        try {
          await g.w.save(big, 'localstorage://model');
        } catch (e) {
          error = { code: (e as { code?: string }).code, message: (e as Error).message };
        }
        const after = localStorage.getItem('wasmgrad_models/model');
        await g.w.save(big, 'indexeddb://model');
        const back = await g.w.load('indexeddb://model');
        const row = [Array.from({ length: 784 }, (_, i) => (i % 7) / 7)];
        const same = JSON.stringify(back.predict(row)) === JSON.stringify(big.predict(row));
        const smallPredictions = small.predict(g.x);
        for (const n of [small, big, back]) n.dispose();
        return { error, kept: before !== null && after === before, same, smallPredictions };
      });
      expect(result.error.code).toBe('WASMGRAD_QUOTA');
      expect(result.error.message).toMatch(/^save: localstorage:\/\/model does not fit: .*Nothing was written; a model saved there before is kept\. .*save to indexeddb:\/\/model instead/);
      expect(result.kept).toBe(true);
      expect(await loadAndPredict(page, 'localstorage://model')).toEqual({ predictions: result.smallPredictions });
      expect(result.same).toBe(true);
    });
  });

  it('refuses a damaged entry whole, in either store, with the file errors', async () => {
    await withPage(env.browser, 'persistence-damaged', async ({ page }) => {
      await openBlank(page);
      await setUp(page);
      await page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        const net = await g.trained(3);
        const bytes: Uint8Array = g.w.toBytes(net);
        net.dispose();
        // One bit of the last weight flipped: only the section's CRC can tell.
        const damaged = bytes.slice();
        damaged[damaged.length - 1] ^= 1;
        let binary = '';
        for (const b of damaged) binary += String.fromCharCode(b);
        localStorage.setItem('wasmgrad_models/damaged', btoa(binary));
        localStorage.setItem('wasmgrad_models/not-base64', '%%%');
        await new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('wasmgrad', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('models');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('models', 'readwrite');
            tx.objectStore('models').put({ bytes: damaged }, 'damaged');
            tx.objectStore('models').put({ bytes: bytes.subarray(0, 100).slice() }, 'truncated');
            tx.oncomplete = () => { open.result.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
          };
        });
      });
      const refused = (pattern: RegExp) => ({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(pattern) });
      expect(await loadAndPredict(page, 'localstorage://damaged')).toEqual(refused(/CRC.*\(in localstorage:\/\/damaged\)$/i));
      expect(await loadAndPredict(page, 'indexeddb://damaged')).toEqual(refused(/CRC.*\(in indexeddb:\/\/damaged\)$/i));
      expect(await loadAndPredict(page, 'indexeddb://truncated')).toEqual(refused(/\(in indexeddb:\/\/truncated\)$/));
      expect(await loadAndPredict(page, 'localstorage://not-base64')).toEqual(refused(/^load: the entry at localstorage:\/\/not-base64 is not valid base64/));
    });
  });

  it('downloads:// downloads the model file, and load(File) reads it from an <input type="file">', async () => {
    await withPage(env.browser, 'persistence-download', async ({ page }) => {
      await openBlank(page);
      await setUp(page);
      const downloaded = page.waitForEvent('download');
      const expected = await page.evaluate(async () => {
        const g = globalThis as unknown as PageGlobals;
        const net = await g.trained(21);
        await g.w.save(net, 'downloads://my-model');
        const result = { bytes: Array.from(g.w.toBytes(net) as Uint8Array), predictions: net.predict(g.x) as number[][] };
        net.dispose();
        return result;
      });
      const download = await downloaded;
      expect(download.suggestedFilename()).toBe('my-model.wgm');
      const file = join(downloads, 'my-model.wgm');
      await download.saveAs(file);
      const bytes = readFileSync(file);
      expect(Array.from(bytes)).toEqual(expected.bytes);
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x57, 0x47, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a])); // the model file's signature

      await page.setInputFiles('#model', file);
      expect(await loadAndPredict(page, 'input')).toEqual({ predictions: expected.predictions });

      const damaged = Buffer.from(bytes);
      damaged[damaged.length - 1] ^= 1;
      await page.setInputFiles('#model', { name: 'damaged.wgm', mimeType: 'application/octet-stream', buffer: damaged });
      expect(await loadAndPredict(page, 'input')).toEqual({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(/\(in the file damaged\.wgm\)$/) });
    });
  });
});
