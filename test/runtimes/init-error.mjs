// Run by test/runtimes/runtimes.test.ts on Deno without --allow-read: init()
// must reject with a coded error that says which flag is missing, not crash.
import { init } from 'wasmgrad';

try {
  await init();
  console.log(JSON.stringify({ resolved: true }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
