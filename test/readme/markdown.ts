/**
 * The README's code blocks and what each is for, read from the markdown the
 * way a reader sees it: a fenced block, and the HTML comments (invisible on
 * GitHub and npm) on the lines just above it that say how the test uses it.
 *
 *   ```js                         a Node ES module: run, must exit 0
 *   <!-- commonjs --> ```js       a Node CommonJS script (run as .cjs)
 *   <!-- browser --> ```js        a module script in Chromium ('wasmgrad' maps to the package's browser entry)
 *   ```html                       a page in Chromium, served beside node_modules/wasmgrad
 *   <!-- output --> ```text       what the block before it prints (stdout; a page's console.log lines)
 *   <!-- no-run: why --> ```js    not run, only where running is impossible; the reason is required
 *
 * Blocks in any other language (sh, json, ts, plain text) are not run.
 */

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower case ('' for none). */
  lang: string;
  /** The text between the fences, without the fence's indentation. */
  code: string;
  /** The comments directly above the fence, e.g. ['browser'] or ['no-run: a shell command']. */
  markers: string[];
}

export type RunKind = 'node' | 'commonjs' | 'browser-js' | 'browser-html';

/** A block the test runs, with the output block that follows it, if any. */
export interface RunnableBlock extends CodeBlock {
  kind: RunKind;
  /** The text the block must print, or null when the README shows none. */
  expectedOutput: string | null;
}

export const MARKERS = ['no-run', 'browser', 'commonjs', 'output'] as const;
const JS_LANGS = new Set(['js', 'javascript', 'mjs']);
const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const COMMENT = /^\s*<!--\s*([\s\S]*?)\s*-->\s*$/;

/** Every fenced block, in order, with the markers above it. Throws on an unclosed fence. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    // As in CommonMark, a backtick fence's info string has no backtick (```` ```js ```` in a line is inline code).
    if (!open || (open[2][0] === '`' && open[3].includes('`'))) continue;
    const [, indent, fence, rest] = open;
    const info = rest.trim().split(/\s+/)[0];
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]); j++) body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    if (j >= lines.length) throw new Error(`README line ${i + 1}: the code block opened here is never closed`);
    blocks.push({ line: i + 1, lang: info.toLowerCase(), code: body.join('\n'), markers: markersAbove(lines, i) });
    i = j;
  }
  return blocks;
}

/** The HTML comments on the lines right above line `index` (blank lines between them allowed), nearest last. */
function markersAbove(lines: string[], index: number): string[] {
  const found: string[] = [];
  for (let k = index - 1; k >= 0; k--) {
    if (lines[k].trim() === '') continue;
    const comment = COMMENT.exec(lines[k]);
    if (!comment) break;
    found.unshift(comment[1]);
  }
  return found;
}

/** The marker's name: 'no-run: a shell command' → 'no-run'. */
export const markerName = (marker: string) => marker.split(':')[0].trim();

/**
 * The blocks to run, each with its expected output. Throws naming the line
 * for anything the test could silently get wrong: an unknown marker (a typo
 * would skip nothing, or everything), `no-run` without a reason, an output
 * block with no runnable block right before it, a browser block with no
 * output to wait for.
 */
export function runnableBlocks(blocks: CodeBlock[]): RunnableBlock[] {
  const runnable: RunnableBlock[] = [];
  let previous: RunnableBlock | null = null;
  for (const block of blocks) {
    const names = block.markers.map(markerName);
    const unknown = names.filter((n) => !(MARKERS as readonly string[]).includes(n) && !n.startsWith('bench'));
    if (unknown.length) throw new Error(`README line ${block.line}: unknown marker <!-- ${unknown[0]} --> above a code block (known: ${MARKERS.join(', ')})`);
    const noRun = block.markers.find((m) => markerName(m) === 'no-run');
    if (noRun !== undefined && !/^no-run:\s*\S/.test(noRun)) throw new Error(`README line ${block.line}: <!-- no-run --> needs a reason: <!-- no-run: why it cannot run -->`);

    if (names.includes('output')) {
      if (!previous) throw new Error(`README line ${block.line}: an <!-- output --> block must come right after the block that prints it`);
      previous.expectedOutput = block.code;
      previous = null;
      continue;
    }
    const kind = noRun !== undefined ? null : runKind(block, names);
    previous = kind ? { ...block, kind, expectedOutput: null } : null;
    if (previous) runnable.push(previous);
  }
  for (const block of runnable) {
    if (block.kind.startsWith('browser') && block.expectedOutput === null) {
      throw new Error(`README line ${block.line}: a browser block needs an <!-- output --> block after it (the console.log lines the test waits for)`);
    }
  }
  return runnable;
}

function runKind(block: CodeBlock, names: string[]): RunKind | null {
  if (block.lang === 'html') return 'browser-html';
  if (!JS_LANGS.has(block.lang)) {
    if (names.includes('browser') || names.includes('commonjs')) throw new Error(`README line ${block.line}: <!-- ${names[0]} --> marks only \`\`\`js blocks`);
    return null;
  }
  if (names.includes('browser')) return 'browser-js';
  return names.includes('commonjs') ? 'commonjs' : 'node';
}

/** The packages a block imports or requires by bare name ('@tensorflow/tfjs' → '@tensorflow/tfjs'; node: builtins left out). */
export function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || /^[a-z]+:/.test(spec)) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names];
}
