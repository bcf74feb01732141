/**
 * Runs the built `wasmgrad` command for the CLI suites: in a directory of the
 * test's, without colour, never rejecting (a test checks failures by their exit
 * code and stderr). WASMGRAD_TEST_CLI runs another build of the command (one made
 * with tsc --outDir elsewhere).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = process.env.WASMGRAD_TEST_CLI ?? fileURLToPath(new URL('../../build/cli/main.js', import.meta.url));

export interface Result { code: number; stdout: string; stderr: string }

/** `wasmgrad ...args` in `dir`, with `env` added to the environment. */
export function runCli(dir: string, args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
  });
}
