/**
 * The command line's errors and exit statuses. Every error is one of the
 * library's coded errors (src/errors.ts); the exit status follows from its
 * code, so a message and its status can never disagree:
 *
 *   0  success
 *   1  the run itself failed: training diverged, an output file could not be
 *      written, memory ran out, a bug in wasmgrad
 *   2  the input is wrong: the command line (unknown command or option, a
 *      flag value out of range), a data file (malformed CSV, a number beyond
 *      float32), or a model file (unreadable, malformed, inconsistent)
 *
 * Input errors are 2 because the fix is the same for all of them (change what
 * was given); divergence is 1 because it depends on the data and the network
 * together, so no check of the flags alone can predict it.
 */
import { codedError, isWasmgradError, type ErrorCode, type WasmgradError } from '../errors.js';

/** Codes meaning "what was given is wrong": exit status 2. */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set(['WASMGRAD_INVALID_ARGUMENT', 'WASMGRAD_BAD_MODEL_FILE', 'WASMGRAD_SHAPE']);

/** Errors about the command line itself, whose message then points at the command's --help. */
const usageErrors = new WeakSet<Error>();

/** A mistake on the command line (WASMGRAD_INVALID_ARGUMENT, exit 2). */
export function usageError(message: string): WasmgradError {
  const error = codedError('WASMGRAD_INVALID_ARGUMENT', message);
  usageErrors.add(error);
  return error;
}

/** True for errors made by `usageError`. */
export function isUsageError(error: unknown): boolean {
  return error instanceof Error && usageErrors.has(error);
}

/** A problem with a data file or an input file that cannot be read (WASMGRAD_INVALID_ARGUMENT, exit 2); the message names the file, line and column. */
export function dataError(message: string, cause?: unknown): WasmgradError {
  return codedError('WASMGRAD_INVALID_ARGUMENT', message, 'Error', cause === undefined ? undefined : { cause });
}

/** A model file that cannot be used (WASMGRAD_BAD_MODEL_FILE, exit 2). */
export function modelFileError(message: string, cause?: unknown): WasmgradError {
  return codedError('WASMGRAD_BAD_MODEL_FILE', message, 'Error', cause === undefined ? undefined : { cause });
}

/** An output file that cannot be written (WASMGRAD_IO, exit 1). */
export function writeError(message: string, cause: unknown): WasmgradError {
  return codedError('WASMGRAD_IO', message, 'Error', { cause });
}

/** The exit status for an error that ended the command (see the table above). */
export function exitStatus(error: unknown): 1 | 2 {
  return isWasmgradError(error) && INPUT_CODES.has(error.code) ? 2 : 1;
}

/** Node's file-system error codes in words, so a message never shows a temporary file's name or a raw errno. */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  // A CSV file is read as one string, which V8 caps near 512 MiB (model files are read as bytes, in chunks).
  ERR_STRING_TOO_LONG: 'it is too large to read as text (about 512 MiB at most)',
  ERR_FS_FILE_TOO_LARGE: 'it is too large to read at once (2 GiB at most)',
};

/**
 * Why a file operation failed, in words: a known errno's meaning, else the
 * error's own message without the `, open 'path'` Node appends (that path can
 * be a temporary file's).
 */
export function fsReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && Object.hasOwn(FS_REASONS, code)) return FS_REASONS[code];
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
}

/** The one line `wasmgrad: <message>` printed for an error (line breaks in messages folded into spaces). */
export function errorLine(error: unknown, debug: boolean): string {
  if (debug && error instanceof Error && error.stack) return `wasmgrad: ${error.stack}`;
  const message = error instanceof Error ? error.message : String(error);
  return `wasmgrad: ${message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}
