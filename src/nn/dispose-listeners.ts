/**
 * Callbacks run when a network is disposed, for objects that hold work for it
 * (a predictor's queued calls must reject then, not at their next flush, which
 * may be far off). Kept off the public Network class, which only calls
 * notifyDisposed from dispose(); this module is not exported from the package.
 */

const listeners = new WeakMap<object, Set<() => void>>();

/** Runs `listener` once when `net` is disposed; returns a function that removes it (for an owner that goes away first). */
export function onDispose(net: object, listener: () => void): () => void {
  let set = listeners.get(net);
  if (!set) listeners.set(net, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

/** Called by Network.dispose(), once: runs and forgets every listener of `net`. */
export function notifyDisposed(net: object): void {
  const set = listeners.get(net);
  if (!set) return;
  listeners.delete(net);
  // A copy: a listener may remove itself (or another) while they run.
  for (const listener of [...set]) listener();
}
