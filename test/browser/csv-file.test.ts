/**
 * Browser data for fitDataset (src/data/csv-batches.ts) in Chromium:
 * examples/csv-file/ trains from a CSV picked in an <input type="file">
 * (playwright's setInputFiles), read chunk by chunk through file.stream();
 * and csvBatches over a fetch() body, a ReadableStream of bytes.
 */
import { describe, expect, it } from 'vitest';
import { IRIS_SPECIES, irisData } from '../../src/data/iris.js';
import { Random } from '../../src/random.js';
import { useBrowserAndServer, text, waitForDone, withPage } from './helpers.js';

const env = useBrowserAndServer();

/** The Iris data as CSV, rows shuffled (seeded) so that batches mix the classes. */
function irisCsv(): string {
  const { inputs, labels } = irisData();
  const order = Int32Array.from(inputs, (_, i) => i);
  new Random(3).shuffle(order);
  return (
    [
      'sepalLength,sepalWidth,petalLength,petalWidth,species',
      ...Array.from(order, (i) => `${inputs[i].join(',')},${IRIS_SPECIES[labels[i]]}`),
    ].join('\n') + '\n'
  );
}

describe('examples/csv-file: fitDataset from an <input type="file"> CSV', () => {
  it('trains the picked file for the epochs asked, every epoch reading all 150 rows in batches of 16', async () => {
    await withPage(env.browser, 'csv-file', async (watched) => {
      const { page } = watched;
      await page.goto(`${env.server.url}/examples/csv-file/`);
      await page.locator('[data-testid="epochs-wanted"]').fill('25');
      await page.locator('[data-testid="file"]').setInputFiles({ name: 'iris.csv', mimeType: 'text/csv', buffer: Buffer.from(irisCsv()) });
      await waitForDone(watched, 60_000);
      const rows = await page
        .locator('[data-testid="epochs"] tr')
        .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
      expect(rows).toHaveLength(25);
      // ⌈150 / 16⌉ = 10 batches in every epoch: the whole file, each time.
      expect(rows.every((r) => r[3] === '10')).toBe(true);
      const losses = rows.map((r) => Number(r[1]));
      expect(losses.at(-1)).toBeLessThan(losses[0] / 2);
      expect(Number((await text(page, 'accuracy')).replace('%', ''))).toBeGreaterThan(80);
    });
  });

  it('csvBatches over a fetch() body: the same batches as over the text in one chunk, and a second pass refused', async () => {
    await withPage(env.browser, 'csv-fetch', async (watched) => {
      const { page } = watched;
      await page.goto(`${env.server.url}/examples/plain/`);
      await waitForDone(watched);
      const result = await page.evaluate(async (csv) => {
        // Through Function: vitest rewrites an import() written here, and this code runs in the page.
        const { csvBatches } = await (
          new Function('url', 'return import(url)') as (url: string) => Promise<typeof import('../../src/index.js')>
        )('/build/index.js');
        const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
        const options = { label: 'species', classes: ['setosa', 'versicolor', 'virginica'], batchSize: 32 };
        const collect = async (iterable: AsyncIterable<{ xs: Float32Array; ys: Float32Array }>) => {
          const out: number[][] = [];
          for await (const b of iterable) out.push([...b.xs, -1, ...b.ys]);
          return out;
        };
        const body = (await fetch(url)).body!;
        const batches = csvBatches(body, options);
        const streamed = await collect(batches);
        const whole = await collect(csvBatches([csv], options));
        const again = await collect(batches).then(
          () => 'read twice',
          (e: Error) => e.message,
        );
        return { same: JSON.stringify(streamed) === JSON.stringify(whole), count: streamed.length, again };
      }, irisCsv());
      expect(result).toEqual({ same: true, count: 5, again: expect.stringContaining('can be read once') });
    });
  });
});
