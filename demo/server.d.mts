import type { Server } from 'node:http';

export declare const MIME_TYPES: Record<string, string>;

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
