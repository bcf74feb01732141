/**
 * src/nn/onnx/model.ts's TensorProto writer: raw_data is little-endian
 * float32, the same bytes whether the values come as a Float32Array view
 * (copied as bytes) or as numbers (written one by one).
 */
import { describe, expect, it } from 'vitest';
import { tensorProto } from '../../../src/nn/onnx/model.js';
import { ProtoMessage } from '../../../src/nn/onnx/protobuf.js';

describe('tensorProto', () => {
  it('a Float32Array view into a larger buffer: exactly its values, little-endian, as from a number[]', () => {
    const memory = new Float32Array([9, 9, 1.5, -2, 3.25e-3, 9]);
    const view = memory.subarray(2, 5);
    const fromView = tensorProto('w', [3], view).finish();
    const fromNumbers = tensorProto('w', [3], [1.5, -2, 3.25e-3]).finish();
    expect(fromView).toEqual(fromNumbers);
    const raw = ProtoMessage.decode(fromView, 'TensorProto').bytes(9, 'raw_data')!;
    // 1.5 is 0x3fc00000: little-endian bytes 00 00 c0 3f.
    expect([...raw.subarray(0, 4)]).toEqual([0x00, 0x00, 0xc0, 0x3f]);
    const values = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    expect([0, 4, 8].map((at) => values.getFloat32(at, true))).toEqual([1.5, -2, Math.fround(3.25e-3)]);
    memory[2] = 7; // a copy, not a view of the network's memory
    expect(ProtoMessage.decode(fromView, 'TensorProto').bytes(9, 'raw_data')![2]).toBe(0xc0);
  });
});
