/**
 * wasmgrad on several threads, as an MLP contender. init() decides the build
 * once per process, so this contender lives in a child process
 * (bench/threads-child.mjs) and the harness drives it over IPC. Its timings
 * include the IPC round trip (well under a millisecond against epochs of
 * tens of milliseconds).
 */
import { fork } from 'node:child_process';
import { v8LosesLocalsAcrossWait } from '../build/threads/liftoff.js';

// Node 20 runs wasmgrad on one thread unless started with --no-liftoff (src/threads/liftoff.ts).
const execArgv = [...process.execArgv, ...(v8LosesLocalsAcrossWait(process.versions.v8) ? ['--no-liftoff'] : [])];

function request(child, message) {
  return new Promise((resolve, reject) => {
    const onMessage = (reply) => {
      child.off('exit', onExit);
      if (reply.error) reject(new Error(`threads child: ${reply.error}`));
      else resolve(reply);
    };
    const onExit = (code) => { child.off('message', onMessage); reject(new Error(`threads child exited with ${code}`)); };
    child.once('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

export function wasmgradThreads(threads) {
  return {
    name: `wasmgrad wasm, ${threads} threads`,
    create(spec, data, parameters) {
      const child = fork(new URL('./threads-child.mjs', import.meta.url), [], { execArgv, serialization: 'advanced', stdio: 'inherit' });
      const ready = request(child, { type: 'setup', threads, spec, data: { x: data.x, t: data.t }, parameters }).then((reply) => {
        if (reply.threads !== threads) throw new Error(`threads child runs ${reply.threads} threads, not ${threads}`);
      });
      return {
        async run(reps) {
          await ready;
          await request(child, { type: 'run', reps });
        },
        async check() {
          await ready;
          return (await request(child, { type: 'check' })).loss;
        },
        dispose: () => child.kill(),
      };
    },
  };
}
