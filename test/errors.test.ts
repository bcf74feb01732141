import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codedError, ERROR_CODES, isWasmgradError } from '../src/errors.js';
import * as api from '../src/index.js';

const SRC = new URL('../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it('every error is made in src/errors.ts, so every error carries a code', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.endsWith('/errors.ts'))
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => [file, i + 1, line] as const))
      .filter(([, , line]) => /\bnew (Error|TypeError|RangeError|SyntaxError)\(/.test(line))
      .map(([file, line]) => `${relative(SRC, file)}:${line}`);
    expect(offenders).toEqual([]);
  });

  it('codedError keeps the built-in class and adds a read-only code', () => {
    const error = codedError('WASMGRAD_SHAPE', 'x: bad', 'RangeError');
    expect(error).toBeInstanceOf(RangeError);
    expect(error.code).toBe('WASMGRAD_SHAPE');
    expect(error.message).toBe('x: bad');
    expect(() => { (error as { code: string }).code = 'other'; }).toThrow(TypeError);
    expect(isWasmgradError(error)).toBe(true);
    expect(isWasmgradError(error, 'WASMGRAD_DISPOSED')).toBe(false);
    expect(isWasmgradError(new RangeError('plain'))).toBe(false);
    expect(isWasmgradError(Object.assign(new Error('other library'), { code: 'ERR_SOMETHING' }))).toBe(false);
  });

  it('the codes are exported', () => {
    expect(api.ERROR_CODES).toBe(ERROR_CODES);
    expect(Object.keys(ERROR_CODES)).toEqual(expect.arrayContaining([
      'WASMGRAD_INVALID_ARGUMENT', 'WASMGRAD_SHAPE', 'WASMGRAD_DISPOSED', 'WASMGRAD_NOT_INITIALIZED', 'WASMGRAD_DIVERGED',
      'WASMGRAD_BAD_MODEL_FILE', 'WASMGRAD_OUT_OF_MEMORY', 'WASMGRAD_UNSUPPORTED',
    ]));
  });
});
