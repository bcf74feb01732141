/**
 * What wasmgrad needs from the JavaScript platform it runs on, behind one
 * interface: files (Node only), worker threads, the number of cores, and V8
 * flags. Two implementations: ./browser.ts (the default: no `node:` import
 * anywhere, so bundlers for the web never see one) and ./node.ts, which the
 * Node entry (src/index.node.ts, the package's "node" export condition)
 * installs before anything runs.
 */
import type { WorkerStart } from '../threads/worker.js';
import { browserPlatform } from './browser.js';

/** Node's file system modules, as save/load and saveTfjs/loadTfjs use them. */
export interface NodeFiles {
  readonly fs: typeof import('node:fs');
  readonly path: typeof import('node:path');
}

/** One started worker of the pool, whatever kind of thread it is. */
export interface WorkerEndpoint {
  onReady(resolve: () => void, reject: (error: Error) => void): void;
  /** Calls `lost` once if the worker ends or fails other than by terminate(). */
  onLost(lost: () => void): void;
  terminate(): Promise<unknown> | void;
}

export interface Platform {
  /** 'node' (the Node entry) or 'browser' (the default entry: browsers, Web Workers, and anything bundled for them). */
  readonly name: 'node' | 'browser';
  /** Node's fs and path, or null where there is no file system to use. */
  readonly files: NodeFiles | null;
  /** True where shared memory and workers are available (Node, or a cross-origin isolated page). */
  threadsAvailable(): boolean;
  /** Threads for `threads: 'auto'`: every logical core. */
  availableCores(): number;
  /**
   * Starts one worker of the pool on `start`. `workerUrl` replaces the
   * default worker module (the browser's build/threads/worker.js), for apps
   * that serve it themselves; Node ignores it.
   */
  startWorker(start: WorkerStart, workerUrl?: URL): WorkerEndpoint;
}

/**
 * The platform belongs to the realm (the process, the page, the worker), not
 * to one instance of this module: a realm may hold several (a copy of the
 * package bundled twice, `import('…/runtime.js?instance=2')`, a test's
 * vi.resetModules()), and each must see what the Node entry installed.
 */
const KEY = Symbol.for('wasmgrad.platform');
type Realm = { [KEY]?: Platform };

/** The platform in use: the browser one unless the Node entry installed Node's. */
export function platform(): Platform {
  return (globalThis as Realm)[KEY] ?? browserPlatform;
}

/** Called by the Node entry (and by the test set-up, which imports src/ directly). */
export function installPlatform(next: Platform): void {
  (globalThis as Realm)[KEY] = next;
}
