/**
 * How test/readme/readme.test.ts reads the README: which blocks run, how, and
 * what they must print. A mistake here would silently skip blocks.
 */
import { describe, expect, it } from 'vitest';
import { codeBlocks, importedPackages, runnableBlocks } from './markdown.js';

const md = (...lines: string[]) => lines.join('\n');

describe('codeBlocks', () => {
  it('reads fenced blocks with their language, line and the comments right above them', () => {
    const blocks = codeBlocks(md(
      'text', '', '<!-- browser -->', '', '```js', 'a();', '```', '', '~~~sh title', 'ls', '~~~',
      '- a list item', '  ```js', '  b();', '  ```',
    ));
    expect(blocks).toEqual([
      { line: 5, lang: 'js', code: 'a();', markers: ['browser'] },
      { line: 9, lang: 'sh', code: 'ls', markers: [] },
      { line: 13, lang: 'js', code: 'b();', markers: [] },
    ]);
  });

  it('takes ```` ```js ```` inside a line for inline code, as CommonMark does, and refuses an unclosed fence', () => {
    expect(codeBlocks(md('```` ```js ```` blocks run', 'text'))).toEqual([]);
    expect(() => codeBlocks(md('x', '```js', 'a();'))).toThrow(/line 2: the code block opened here is never closed/);
  });
});

describe('runnableBlocks', () => {
  it('runs js (Node, CommonJS, browser) and html blocks, pairs each with its output block, and skips no-run and sh', () => {
    const runnable = runnableBlocks(codeBlocks(md(
      '```js', 'console.log(1);', '```', '<!-- output -->', '```text', '1', '```',
      '<!-- commonjs -->', '```js', "require('wasmgrad');", '```',
      '<!-- no-run: needs a GPU -->', '```js', 'gpu();', '```',
      '```sh', 'npm test', '```',
      '```html', '<script>console.log(2)</script>', '```', '<!-- output -->', '```text', '2', '```',
    )));
    expect(runnable.map((b) => [b.kind, b.expectedOutput])).toEqual([['node', '1'], ['commonjs', null], ['browser-html', '2']]);
  });

  it('refuses what would silently skip or mislead: unknown markers, no-run without a reason, stray output, browser blocks without output', () => {
    expect(() => runnableBlocks(codeBlocks(md('<!-- norun -->', '```js', 'x', '```')))).toThrow(/line 2: unknown marker <!-- norun -->/);
    expect(() => runnableBlocks(codeBlocks(md('<!-- no-run -->', '```js', 'x', '```')))).toThrow(/needs a reason/);
    expect(() => runnableBlocks(codeBlocks(md('```sh', 'ls', '```', '<!-- output -->', '```text', 'x', '```')))).toThrow(/line 5: an <!-- output --> block must come right after/);
    expect(() => runnableBlocks(codeBlocks(md('<!-- browser -->', '```js', 'x', '```')))).toThrow(/browser block needs an <!-- output -->/);
    expect(() => runnableBlocks(codeBlocks(md('<!-- browser -->', '```ts', 'x', '```')))).toThrow(/marks only ```js blocks/);
  });
});

describe('importedPackages', () => {
  it('lists the bare packages a block imports or requires, scopes kept, builtins and paths left out', () => {
    const code = md(
      "import { init } from 'wasmgrad';", "import * as tf from '@tensorflow/tfjs';", "import { readFileSync } from 'node:fs';",
      "import './local.js';", "const x = require('lodash/fp');", "await import('wasmgrad/wasmgrad.wasm');",
    );
    expect(importedPackages(code)).toEqual(['wasmgrad', '@tensorflow/tfjs', 'lodash']);
  });
});
