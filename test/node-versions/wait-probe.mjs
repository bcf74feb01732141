// The engine bug behind src/threads/liftoff.ts, in its smallest form, run by node-versions.test.ts in a
// fresh process of each Node version. Prints one JSON line: the versions, the Node options, and whether
// a value kept in a local across memory.atomic.wait32 comes back intact (it reads 0 under Liftoff on V8 11.3).
//
// (module
//   (import "env" "memory" (memory 1 1 shared))
//   (func (export "f") (param $at i32) (result i32) (local $y i32)
//     (local.set $y (i32.load offset=16 (local.get $at)))          ;; a value known only at run time
//     (drop (memory.atomic.wait32 (local.get $at) (i32.const 12345) (i64.const 0)))  ;; returns at once: "not-equal"
//     (local.get $y)))
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type section: (i32) -> i32
  0x02, 0x10, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x01, 0x01, // import env.memory, shared, 1..1 pages
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
  0x0a, 0x1c, 0x01, 0x1a, 0x01, 0x01, 0x7f, // code section: one body of 26 bytes, one i32 local
  0x20, 0x00, 0x28, 0x02, 0x10, 0x21, 0x01, // local.get 0, i32.load offset=16, local.set 1
  0x20, 0x00, 0x41, 0xb9, 0xe0, 0x00, 0x42, 0x00, 0xfe, 0x01, 0x02, 0x00, 0x1a, // local.get 0, i32.const 12345, i64.const 0, memory.atomic.wait32, drop
  0x20, 0x01, 0x0b, // local.get 1, end
]);
const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
const { f } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const at = 64, value = 12416;
new Int32Array(memory.buffer)[(at + 16) >> 2] = value;
// The first call runs Liftoff's code wherever Liftoff is on (V8 compiles lazily, baseline first).
const got = f(at);
console.log(JSON.stringify({ node: process.versions.node, v8: process.versions.v8, execArgv: process.execArgv, keepsLocal: got === value, got }));
