import type { Server } from 'node:http';

export declare const MIME_TYPES: Record<string, string>;

/** Top-level folders served from the repository (demo, examples, build); the rest of the checkout is 404. */
export declare const REPOSITORY_PATHS: readonly string[];

export interface ServerOptions {
  /** Folder to serve (default: the current directory). */
  root?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** MIME type for .wasm (default application/wasm). */
  wasmType?: string;
  /** Send COOP/COEP/CORP headers so pages are crossOriginIsolated. */
  isolate?: boolean;
  /** Top-level names served, or '*' for everything under root (dotfiles never). Default: REPOSITORY_PATHS for the repository, '*' for any other root. */
  allow?: readonly string[] | '*';
}

export interface ServedRequest { method: string; path: string; status: number; type: string }

export interface RunningServer {
  port: number;
  url: string;
  requests: ServedRequest[];
  server: Server;
  close(): Promise<void>;
}

export declare function startServer(options?: ServerOptions): Promise<RunningServer>;
