/**
 * A minimal ONNX writer: serialises the ModelProto of a dense MLP (one Gemm,
 * or MatMul + Add, per layer, then an activation) with float32 initializers,
 * so onnxruntime-web can run the very weights a wasmgrad network holds without
 * a Python exporter or a protobuf library.
 *
 * Only the subset of onnx/onnx.proto this needs is written (field numbers from
 * that file; proto2, so every field is tagged and any order is valid):
 *
 *   ModelProto          ir_version 1 (int64), producer_name 2, graph 7, opset_import 8
 *   OperatorSetIdProto  domain 1, version 2 (int64)
 *   GraphProto          node 1, name 2, initializer 5, input 11, output 12
 *   NodeProto           input 1, output 2, name 3, op_type 4
 *   TensorProto         dims 1 (int64), data_type 2 (FLOAT = 1), name 8, raw_data 9 (little-endian)
 *   ValueInfoProto      name 1, type 2
 *   TypeProto           tensor_type 1 → Tensor { elem_type 1, shape 2 }
 *   TensorShapeProto    dim 1 → Dimension { dim_value 1 | dim_param 2 }
 *
 * Gemm's defaults (alpha = beta = 1, no transposes) are what a = x·W + b
 * needs, with W stored in×out as wasmgrad's getWeights() gives it and the
 * bias broadcast along the batch, so Gemm nodes carry no attributes.
 */

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const IR_VERSION = 8; // what opset 13-17 models are written with
const OPSET = 13; // Gemm-13, MatMul-13, Add-13, Sigmoid-13, Tanh-13, Relu-13: all float32 with broadcasting

const utf8 = new TextEncoder();

/** Appends protobuf fields; `encode()` returns the encoded message. */
class Message {
  constructor() {
    this.parts = [];
    this.length = 0;
  }

  #push(part) {
    this.parts.push(part);
    this.length += part.length;
  }

  #varint(value) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`onnx-model: varint ${value} is not a non-negative safe integer`);
    const out = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.#push(Uint8Array.from(out));
  }

  #tag(field, wire) {
    this.#varint(field * 8 + wire);
  }

  /** An int32/int64/enum field (non-negative values only: all this writer needs). */
  int(field, value) {
    this.#tag(field, WIRE_VARINT);
    this.#varint(value);
    return this;
  }

  /** A bytes field (also how strings and sub-messages are written). */
  bytes(field, data) {
    this.#tag(field, WIRE_BYTES);
    this.#varint(data.length);
    this.#push(data);
    return this;
  }

  string(field, text) {
    return this.bytes(field, utf8.encode(text));
  }

  message(field, sub) {
    return this.bytes(field, sub.encode());
  }

  encode() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/** float32 values as little-endian bytes (TensorProto.raw_data's required order), whatever the host's order. */
function littleEndianFloats(values) {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

function tensor(name, dims, values) {
  const size = dims.reduce((a, b) => a * b, 1);
  if (values.length !== size) throw new RangeError(`onnx-model: ${name} has ${values.length} values for dims [${dims}] (${size})`);
  const t = new Message();
  for (const d of dims) t.int(1, d);
  return t.int(2, FLOAT).string(8, name).bytes(9, littleEndianFloats(values));
}

/** A float32 ValueInfoProto; a dimension given as a string is symbolic (dim_param), a number fixed (dim_value). */
function valueInfo(name, dims) {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'string' ? new Message().string(2, d) : new Message().int(1, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

function node(opType, inputs, outputs, name) {
  const n = new Message();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  return n.string(3, name).string(4, opType);
}

const ACTIVATIONS = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu' };

/**
 * The ONNX bytes of a dense MLP: input `input` [batch, inputSize] → output
 * `output` [batch, last layer's units], batch a symbolic dimension.
 *
 * @param {object} o
 * @param {number} o.inputSize
 * @param {{ weights: Float32Array | number[], bias: Float32Array | number[], activation?: string }[]} o.layers
 *   per layer: weights in×out row-major (a = x·W + b), bias of length out, activation (default 'sigmoid'; 'linear' adds none)
 * @param {'gemm' | 'matmul'} [o.op] one Gemm per layer (default), or MatMul then Add
 * @returns {Uint8Array} a serialised ModelProto
 */
export function mlpOnnxModel({ inputSize, layers, op = 'gemm' }) {
  if (op !== 'gemm' && op !== 'matmul') throw new RangeError(`onnx-model: op must be 'gemm' or 'matmul', not ${JSON.stringify(op)}`);
  const graph = new Message();
  const nodes = [], initializers = [];
  let x = 'input', fanIn = inputSize;
  layers.forEach(({ weights, bias, activation = 'sigmoid' }, l) => {
    const units = bias.length;
    if (weights.length !== fanIn * units) throw new RangeError(`onnx-model: layer ${l} has ${weights.length} weights for ${fanIn}×${units}`);
    const last = l === layers.length - 1;
    const w = `W${l}`, b = `B${l}`, pre = `pre${l}`;
    const out = last ? 'output' : `h${l}`;
    initializers.push(tensor(w, [fanIn, units], weights), tensor(b, [units], bias));
    const linearOut = activation === 'linear' ? out : pre;
    if (op === 'gemm') nodes.push(node('Gemm', [x, w, b], [linearOut], `gemm${l}`));
    else nodes.push(node('MatMul', [x, w], [`mm${l}`], `matmul${l}`), node('Add', [`mm${l}`, b], [linearOut], `add${l}`));
    if (activation !== 'linear') {
      const onnxOp = ACTIVATIONS[activation];
      if (!onnxOp) throw new RangeError(`onnx-model: activation ${JSON.stringify(activation)} is not one of linear, ${Object.keys(ACTIVATIONS).join(', ')}`);
      nodes.push(node(onnxOp, [pre], [out], `${activation}${l}`));
    }
    x = out;
    fanIn = units;
  });
  for (const n of nodes) graph.message(1, n);
  graph.string(2, 'mlp');
  for (const t of initializers) graph.message(5, t);
  graph.message(11, valueInfo('input', ['batch', inputSize]));
  graph.message(12, valueInfo('output', ['batch', fanIn]));
  return new Message()
    .int(1, IR_VERSION)
    .string(2, 'wasmgrad bench/onnx-model.mjs')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, OPSET))
    .encode();
}
