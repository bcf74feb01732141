/**
 * The protobuf layer under ONNX import and export: the writer's bytes are
 * compared with hand-encoded ones (protobuf's encoding spec), the reader reads
 * what bench/onnx-model.mjs (an independent writer) produces, and malformed
 * input is refused with WASMGRAD_BAD_MODEL_FILE, never a crash or a large
 * allocation.
 */
import { describe, expect, it } from 'vitest';
import { mlpOnnxModel } from '../../../bench/onnx-model.mjs';
import { MAX_DEPTH, ProtoMessage, ProtoWriter } from '../../../src/nn/onnx/protobuf.js';

const badFile = (message: RegExp) => expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(message) });

describe('ProtoWriter', () => {
  it('writes varints, negative int64 (10 bytes), floats, strings and sub-messages as the encoding spec says', () => {
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]); // the spec's own example
    expect([...new ProtoWriter().int(2, -1).finish()]).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...new ProtoWriter().int(3, 2 ** 40).finish()]).toEqual([0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect([...new ProtoWriter().message(3, new ProtoWriter().int(1, 150)).finish()]).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
  });

  it('refuses an integer that is not a safe integer (an internal error: callers pass checked values)', () => {
    expect(() => new ProtoWriter().int(1, 0.5)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INTERNAL' }));
  });
});

describe('ProtoMessage', () => {
  it('reads back every kind the writer writes, signed int64 included, with the last value of a repeated singular field winning', () => {
    const inner = new ProtoWriter().string(1, 'héllo');
    const bytes = new ProtoWriter().int(1, 7).int(1, 9).int(2, -3).int(3, 2 ** 53 - 1).float(4, 0.5).float(4, -2).message(5, inner).message(5, inner).finish();
    const m = ProtoMessage.decode(bytes, 'M');
    expect(m.int(1, 'a')).toBe(9);
    expect(m.ints(1, 'a')).toEqual([7, 9]);
    expect(m.int(2, 'b')).toBe(-3);
    expect(m.int(3, 'c')).toBe(2 ** 53 - 1);
    expect(m.floats(4, 'd')).toEqual([0.5, -2]);
    expect(m.int(6, 'absent', 42)).toBe(42);
    expect(m.messages(5, 'e').map((e) => e.string(1, 's'))).toEqual(['héllo', 'héllo']);
    expect(m.message(5, 'e')!.path).toBe('M.e');
  });

  it('reads packed repeated varints and floats (how onnx.proto declares float_data, and how some writers pack dims)', () => {
    // field 1, packed: 3, 270, -1 (10 bytes); field 2, packed floats 1 and 2.
    const packedInts = [0x0a, 13, 0x03, 0x8e, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const packedFloats = [0x12, 8, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
    const m = ProtoMessage.decode(Uint8Array.from([...packedInts, ...packedFloats]), 'M');
    expect(m.ints(1, 'dims')).toEqual([3, 270, -1]);
    expect(m.floats(2, 'float_data')).toEqual([1, 2]);
  });

  it('floatArray: unpacked fixed32 and packed blocks (one at an odd byte offset) in order, as one Float32Array; floats gives the same numbers', () => {
    // field 2: fixed32 -1.5 (0xbfc00000), then a packed block of 0.25 (0x3e800000) and 3 (0x40400000). A 1-byte field 1 first puts the block at an odd offset.
    const bytes = Uint8Array.from([0x08, 0x01, 0x15, 0, 0, 0xc0, 0xbf, 0x12, 8, 0, 0, 0x80, 0x3e, 0, 0, 0x40, 0x40]);
    const m = ProtoMessage.decode(bytes, 'M');
    expect(m.floatArray(2, 'float_data')).toEqual(Float32Array.of(-1.5, 0.25, 3));
    expect(m.floats(2, 'float_data')).toEqual([-1.5, 0.25, 3]);
    expect(m.floatArray(9, 'absent')).toEqual(new Float32Array(0));
    // A bad block is refused even after good ones, before anything is copied.
    const bad = ProtoMessage.decode(Uint8Array.from([0x15, 0, 0, 0x80, 0x3f, 0x12, 3, 0, 0, 0]), 'M');
    expect(() => bad.floatArray(2, 'float_data')).toThrow(badFile(/M\.float_data at byte 5: packed floats take 3 bytes, not a multiple of 4/));
  });

  it('reads the ModelProto that bench/onnx-model.mjs (another writer) writes: IR version, opset, nodes, initializers', () => {
    const bytes = mlpOnnxModel({ inputSize: 2, layers: [{ weights: [1, 2, 3, 4, 5, 6], bias: [0.5, -0.5, 1], activation: 'relu' }] });
    const model = ProtoMessage.decode(bytes, 'ModelProto');
    expect(model.int(1, 'ir_version')).toBe(8);
    expect(model.message(8, 'opset_import')!.int(2, 'version')).toBe(13);
    const graph = model.message(7, 'graph')!;
    expect(graph.messages(1, 'node').map((n) => n.string(4, 'op_type'))).toEqual(['Gemm', 'Relu']);
    const [w, b] = graph.messages(5, 'initializer');
    expect(w.ints(1, 'dims')).toEqual([2, 3]);
    expect(w.string(8, 'name')).toBe('W0');
    const raw = w.bytes(9, 'raw_data')!;
    expect(Array.from(new Float32Array(raw.slice().buffer))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.ints(1, 'dims')).toEqual([3]);
  });
});

describe('malformed protobuf is refused with WASMGRAD_BAD_MODEL_FILE', () => {
  const cases: [string, number[], RegExp][] = [
    ['a truncated varint', [0x08, 0x96], /varint runs past the end/],
    ['a truncated key', [0x80], /varint runs past the end/],
    ['a varint of 11 bytes', [0x08, ...Array(10).fill(0x80), 0x01], /longer than 10 bytes/],
    ['a varint past 64 bits', [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /overflows 64 bits/],
    ['field number 0', [0x00, 0x01], /number 0/],
    ['wire type 3 (a group)', [0x0b], /wire type 3, which is a group/],
    ['wire type 4 (end group)', [0x0c], /wire type 4/],
    ['wire type 6', [0x0e], /wire type 6, which is not a protobuf wire type/],
    ['wire type 7', [0x0f], /wire type 7/],
    ['a length past the end', [0x12, 0x05, 0x61], /declares 5 bytes, but only 1 remain/],
    ['a huge declared length (2^32 - 1)', [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f], /declares 4294967295 bytes/],
    ['a declared length past 2^53', [0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /declares .* bytes/],
    ['a truncated fixed32', [0x15, 0x00, 0x00], /runs past the end/],
    ['a truncated fixed64', [0x11, 0x00], /runs past the end/],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    expect(() => ProtoMessage.decode(Uint8Array.from(bytes), 'M')).toThrow(badFile(message));
  });

  it('a field of the wrong wire type for the schema, named with its path and byte offset', () => {
    const m = ProtoMessage.decode(new ProtoWriter().int(1, 1).string(2, 'x').float(3, 1).finish(), 'ModelProto');
    expect(() => m.string(1, 'name')).toThrow(badFile(/ModelProto\.name at byte 0: has wire type 0, expected 2/));
    expect(() => m.message(1, 'graph')).toThrow(badFile(/ModelProto\.graph/));
    expect(() => m.int(2, 'ir_version')).toThrow(badFile(/ModelProto\.ir_version at byte 2: has wire type 2, expected a varint/));
    expect(() => m.int(3, 'ir_version')).toThrow(badFile(/wire type 5/));
    expect(() => m.floats(1, 'f')).toThrow(badFile(/wire type 0, expected fixed32/));
  });

  it('bad UTF-8, packed floats of a length not a multiple of 4, a truncated packed varint', () => {
    const m = ProtoMessage.decode(Uint8Array.from([0x0a, 0x01, 0xff, 0x12, 0x03, 0, 0, 0, 0x1a, 0x01, 0x80]), 'M');
    expect(() => m.string(1, 's')).toThrow(badFile(/M\.s at byte 0: is not valid UTF-8/));
    expect(() => m.floats(2, 'f')).toThrow(badFile(/3 bytes, not a multiple of 4/));
    expect(() => m.ints(3, 'dims')).toThrow(badFile(/packed varint is truncated/));
  });

  it('a packed varint past 64 bits is refused as an unpacked one is, not wrapped to another value', () => {
    // 10 bytes whose last carries bits 63 and 64: 2^64 + 5. Unpacked it is refused; packed it was read as 5 (BigInt.asIntN wrapped it).
    const varint = [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
    expect(() => ProtoMessage.decode(Uint8Array.from([0x08, ...varint]), 'M')).toThrow(badFile(/M at byte 1: a varint overflows 64 bits/));
    const m = ProtoMessage.decode(Uint8Array.from([0x0a, varint.length, ...varint]), 'M');
    expect(() => m.ints(1, 'dims')).toThrow(badFile(/M\.dims at byte 2: a packed varint overflows 64 bits/));
    // The largest value that fits (2^64 - 1, all ten bytes) is -1 as int64, packed or not.
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(ProtoMessage.decode(Uint8Array.from([0x0a, max.length, ...max, 0x0a, 1, 0x07]), 'M').ints(1, 'dims')).toEqual([-1, 7]);
    // 11 bytes: longer than any varint.
    const long = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    expect(() => ProtoMessage.decode(Uint8Array.from([0x0a, long.length, ...long]), 'M').ints(1, 'dims')).toThrow(badFile(/packed varint is truncated or longer than 10 bytes/));
  });

  it('a sub-message that is itself malformed is refused where it is read, with its path', () => {
    const m = ProtoMessage.decode(Uint8Array.from([0x3a, 0x02, 0x08, 0x80]), 'ModelProto');
    expect(() => m.message(7, 'graph')).toThrow(badFile(/ModelProto\.graph at byte 3: a varint runs past the end/));
  });

  it(`nesting deeper than ${MAX_DEPTH} levels`, () => {
    let w = new ProtoWriter().int(1, 1);
    for (let i = 0; i < MAX_DEPTH + 1; i++) w = new ProtoWriter().message(1, w);
    let m = ProtoMessage.decode(w.finish(), 'M');
    const descend = () => {
      for (let i = 0; i < MAX_DEPTH + 1; i++) m = m.message(1, 'sub')!;
    };
    expect(descend).toThrow(badFile(/nest deeper than 32 levels/));
  });

  it('a huge declared length allocates nothing: the refusal is immediate even for a 1 GiB claim', () => {
    const start = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) {
      expect(() => ProtoMessage.decode(Uint8Array.from([0x3a, 0x80, 0x80, 0x80, 0x80, 0x04]), 'ModelProto')).toThrow(badFile(/declares 1073741824 bytes/));
    }
    expect(process.memoryUsage().arrayBuffers - start).toBeLessThan(2 ** 20);
  });
});
