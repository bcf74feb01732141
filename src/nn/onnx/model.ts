/**
 * The subset of onnx/onnx.proto that wasmgrad reads and writes, over the
 * protobuf layer of ./protobuf.ts. Field numbers are onnx.proto's (proto2,
 * so fields may come in any order):
 *
 *   ModelProto          ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
 *   OperatorSetIdProto  domain 1, version 2
 *   GraphProto          node 1, name 2, initializer 5, input 11, output 12, sparse_initializer 15
 *   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5, domain 7
 *   AttributeProto      name 1, f 2, i 3, s 4, t 5, g 6, floats 7, ints 8, type 20
 *   TensorProto         dims 1, data_type 2, float_data 4, name 8, raw_data 9, data_location 14
 *   ValueInfoProto      name 1, type 2 → TypeProto tensor_type 1 → { elem_type 1, shape 2 }
 *   TensorShapeProto    dim 1 → Dimension { dim_value 1 | dim_param 2 }
 *
 * Decoding checks structure only (a malformed message is WASMGRAD_BAD_MODEL_FILE);
 * what a graph may contain is ./import.ts's business. raw_data stays a view
 * into the input, read once the graph is known to be one wasmgrad can build;
 * float_data is decoded at once, as one Float32Array (a byte copy).
 */
import { badModelError, unsupportedError } from '../../errors.js';
import { LITTLE_ENDIAN, ProtoMessage, ProtoWriter } from './protobuf.js';

/** TensorProto.DataType.FLOAT. */
export const FLOAT = 1;
/** The default (ai.onnx) operator set wasmgrad writes: Gemm, Softmax(axis) and Erf as opset 13+ define them. */
export const OPSET = 17;
/** The IR version that goes with opset 17 (onnx/docs/Versioning.md: ONNX 1.10 to 1.13, opsets 15 to 18, write IR 8). */
export const IR_VERSION = 8;

/** A TensorProto: its float32 values are read by {@link tensorValues}. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** raw_data (little-endian), if present. */
  raw: Uint8Array | null;
  /** float_data, if raw_data is absent. */
  floats: Float32Array;
  /** Whether the values live in an external file (data_location EXTERNAL), which wasmgrad does not read. */
  external: boolean;
  path: string;
}

export interface OnnxAttribute {
  name: string;
  /** AttributeProto.type (FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6, INTS 7...); 0 when the writer left it out. */
  type: number;
  f: number | null;
  i: number | null;
  s: string | null;
  t: OnnxTensor | null;
  hasGraph: boolean;
}

export interface OnnxNode {
  /** The node's name, or `#index` when it has none (for error messages). */
  label: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** A graph input or output: its element type and shape (null where the file gives none; a dimension null when symbolic). */
export interface OnnxValueInfo {
  name: string;
  elemType: number | null;
  dims: (number | null)[] | null;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  sparseInitializers: number;
}

export interface OnnxModel {
  irVersion: number;
  /** Operator set versions by domain ('' is ai.onnx). */
  opsets: Map<string, number>;
  graph: OnnxGraph;
}

/** Decodes a ModelProto's structure. */
export function decodeModel(where: string, bytes: Uint8Array): OnnxModel {
  const model = ProtoMessage.decode(bytes, 'ModelProto');
  const graph = model.message(7, 'graph');
  if (graph === null) throw badModelError(`${where}: the bytes hold no ModelProto.graph (not an ONNX model?)`);
  const opsets = new Map<string, number>();
  for (const o of model.messages(8, 'opset_import')) opsets.set(o.string(1, 'domain'), o.int(2, 'version'));
  // Both are required by the ONNX spec; a file cut short right after the graph would otherwise pass for whole.
  if (!model.has(1)) throw badModelError(`${where}: the ModelProto has no ir_version (not an ONNX model, or truncated?)`);
  if (!opsets.has('') && !opsets.has('ai.onnx')) throw badModelError(`${where}: the ModelProto imports no default (ai.onnx) operator set (truncated?)`);
  return { irVersion: model.int(1, 'ir_version'), opsets, graph: decodeGraph(graph) };
}

function decodeGraph(graph: ProtoMessage): OnnxGraph {
  const initializers = new Map<string, OnnxTensor>();
  for (const t of graph.messages(5, 'initializer')) {
    const tensor = decodeTensor(t);
    if (initializers.has(tensor.name)) throw badModelError(`ONNX: ${t.path} names "${tensor.name}", which another initializer has`);
    initializers.set(tensor.name, tensor);
  }
  return {
    nodes: graph.messages(1, 'node').map(decodeNode),
    initializers,
    inputs: graph.messages(11, 'input').map(decodeValueInfo),
    outputs: graph.messages(12, 'output').map(decodeValueInfo),
    sparseInitializers: graph.allBytes(15, 'sparse_initializer').length,
  };
}

function decodeNode(node: ProtoMessage, index: number): OnnxNode {
  const name = node.string(3, 'name');
  const attributes = new Map<string, OnnxAttribute>();
  for (const a of node.messages(5, 'attribute')) {
    const t = a.message(5, 't');
    const attribute: OnnxAttribute = {
      name: a.string(1, 'name'),
      type: a.int(20, 'type'),
      f: a.has(2) ? a.float(2, 'f', 0) : null,
      i: a.has(3) ? a.int(3, 'i') : null,
      s: a.has(4) ? a.string(4, 's') : null,
      t: t === null ? null : decodeTensor(t),
      hasGraph: a.has(6) || a.has(11),
    };
    attributes.set(attribute.name, attribute);
  }
  return {
    label: name === '' ? `#${index}` : `"${name}"`,
    opType: node.string(4, 'op_type'),
    domain: node.string(7, 'domain'),
    inputs: node.strings(1, 'input'),
    outputs: node.strings(2, 'output'),
    attributes,
  };
}

function decodeTensor(t: ProtoMessage): OnnxTensor {
  const dims = t.ints(1, 'dims');
  if (dims.some((d) => d < 0)) throw badModelError(`ONNX: ${t.path}.dims [${dims}] has a negative dimension`);
  return {
    name: t.string(8, 'name'),
    dims,
    dataType: t.int(2, 'data_type'),
    raw: t.bytes(9, 'raw_data'),
    floats: t.floatArray(4, 'float_data'),
    external: t.int(14, 'data_location') === 1,
    path: t.path,
  };
}

function decodeValueInfo(v: ProtoMessage): OnnxValueInfo {
  const tensorType = v.message(2, 'type')?.message(1, 'tensor_type') ?? null;
  const shape = tensorType?.message(2, 'shape') ?? null;
  return {
    name: v.string(1, 'name'),
    elemType: tensorType === null ? null : tensorType.int(1, 'elem_type'),
    dims: shape === null ? null : shape.messages(1, 'dim').map((d) => (d.has(1) ? d.int(1, 'dim_value') : null)),
  };
}

/**
 * A float32 tensor's values, checked: FLOAT, stored in the file, as many
 * values as its dims say (compared before the array is made), all finite.
 * `owner` names the node that uses it, for errors.
 */
export function tensorValues(where: string, tensor: OnnxTensor, owner: string): Float32Array {
  if (tensor.dataType !== FLOAT) {
    throw unsupportedError(`${where}: ${owner} uses the tensor "${tensor.name}" of data_type ${tensor.dataType}; only float32 (1) weights are supported`);
  }
  if (tensor.external) throw unsupportedError(`${where}: ${owner} uses the tensor "${tensor.name}", whose data is in an external file; save the model with its weights inside`);
  const count = tensor.dims.reduce((n, d) => n * d, 1);
  const stored = tensor.raw !== null ? tensor.raw.length / 4 : tensor.floats.length;
  if (stored !== count) throw badModelError(`${where}: ${tensor.path} ("${tensor.name}") holds ${stored} float32 values, but its dims [${tensor.dims}] need ${count}`);
  const out = new Float32Array(count);
  if (tensor.raw !== null && LITTLE_ENDIAN) {
    // One byte copy (raw_data need not be 4-byte aligned in the file, so it cannot be viewed as floats in place):
    // read value by value through a DataView, a 1024-1024-1024-10 network's 2.1M weights took ~55 ms.
    new Uint8Array(out.buffer).set(tensor.raw);
  } else if (tensor.raw !== null) {
    const view = new DataView(tensor.raw.buffer, tensor.raw.byteOffset, tensor.raw.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else out.set(tensor.floats);
  for (let i = 0; i < count; i++) {
    // v - v is NaN for ±Infinity and NaN: a plain loop, not findIndex's callback per value.
    if (out[i] - out[i] !== 0) throw badModelError(`${where}: tensor "${tensor.name}"[${i}] is ${out[i]}, expected a finite number`);
  }
  return out;
}

// ---- writing ----

/**
 * A float32 TensorProto. raw_data is little-endian whatever the host: a
 * Float32Array is copied as bytes in one go (a network's weights: megabytes),
 * anything else, or any array on a big-endian host, value by value.
 */
export function tensorProto(name: string, dims: number[], values: ArrayLike<number>): ProtoWriter {
  let raw: Uint8Array;
  if (values instanceof Float32Array && LITTLE_ENDIAN) raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  else {
    raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  }
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  return t.int(2, FLOAT).string(8, name).bytes(9, raw);
}

/** A float32 ValueInfoProto; a string dimension is symbolic (dim_param). */
export function valueInfoProto(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'string' ? new ProtoWriter().string(2, d) : new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** An attribute of a node: an integer (INT), a float (FLOAT) or a string (STRING). */
export type AttributeValue = { int: number } | { float: number } | { string: string };

/** A NodeProto of the default domain. */
export function nodeProto(opType: string, name: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, opType);
  for (const [key, value] of Object.entries(attributes)) {
    const a = new ProtoWriter().string(1, key);
    if ('int' in value) a.int(3, value.int).int(20, 2);
    else if ('float' in value) a.float(2, value.float).int(20, 1);
    else a.string(4, value.string).int(20, 3);
    n.message(5, a);
  }
  return n;
}

/** A ModelProto around `graph`, with the default operator set at `opset` and its IR version. */
export function modelProto(graph: ProtoWriter, producer: string, opset = OPSET, irVersion = IR_VERSION): Uint8Array {
  return new ProtoWriter()
    .int(1, irVersion)
    .string(2, producer)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, opset))
    .finish();
}
