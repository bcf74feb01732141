/**
 * A small protocol-buffers encoder and decoder: just what ONNX's ModelProto
 * needs (varints, signed int64, 32-bit floats, length-delimited bytes,
 * strings and sub-messages), so the library keeps zero runtime dependencies.
 *
 * The decoder reads untrusted bytes. It never allocates more than the input
 * can justify: a length-delimited field is a view into the input, checked to
 * end inside its message before it is taken; a varint longer than 10 bytes,
 * a wire type that is not one of protobuf's (or a group, which proto3 and
 * ONNX do not use), field number 0 and nesting deeper than {@link MAX_DEPTH}
 * are refused. Every refusal is WASMGRAD_BAD_MODEL_FILE naming the message
 * path and the byte offset.
 */
import { badModelError, internalError, type WasmgradError } from '../../errors.js';

/** Wire types (protobuf encoding spec). */
const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;
/** How deep sub-messages may nest: ONNX's own schema needs 7 (model, graph, node, attribute, tensor...); the rest is slack. */
export const MAX_DEPTH = 32;

/** Whether this host stores a Float32Array little-endian, as protobuf's fixed32 and ONNX's raw_data are (every current engine does). */
export const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Appends fields in order; {@link ProtoWriter.finish} returns the message's bytes. */
export class ProtoWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  #push(part: Uint8Array): void {
    this.#parts.push(part);
    this.#length += part.length;
  }

  #varint(value: number | bigint): void {
    // Negative int64 values go out as their 64-bit two's complement (10 bytes), as protobuf writes them.
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.#push(Uint8Array.from(out));
  }

  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  /** An int32/int64/enum field: an integer (negative ones as int64). */
  int(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw internalError(`protobuf: field ${field} value ${value} is not a safe integer`);
    this.#tag(field, WIRE.varint);
    this.#varint(value);
    return this;
  }

  /** A `float` field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.#tag(field, WIRE.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#push(bytes);
    return this;
  }

  /** A `bytes` field (the bytes are kept, not copied, until finish). */
  bytes(field: number, data: Uint8Array): this {
    this.#tag(field, WIRE.bytes);
    this.#varint(data.length);
    this.#push(data);
    return this;
  }

  /** A `string` field, UTF-8. */
  string(field: number, text: string): this {
    return this.bytes(field, utf8Encoder.encode(text));
  }

  /** A sub-message field. */
  message(field: number, sub: ProtoWriter): this {
    return this.bytes(field, sub.finish());
  }

  /** The message's bytes, in one new array. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/**
 * One decoded field: a varint as a number or (past 2^53) a bigint, fixed32/64
 * and bytes as views into the input. `offset` is where its key is in the whole
 * input, `start` where its value is.
 */
export type ProtoField =
  | { field: number; wire: 0; value: number | bigint; offset: number; start: number }
  | { field: number; wire: 1 | 2 | 5; value: Uint8Array; offset: number; start: number };

/**
 * One decoded message: its fields in order, with typed accessors that check
 * the wire type against the schema. `path` names it in errors
 * ("ModelProto.graph.node[3]"); `base` is its offset in the whole input.
 */
export class ProtoMessage {
  private constructor(readonly path: string, readonly fields: readonly ProtoField[], readonly depth: number, readonly base: number) {}

  /** Decodes `bytes` as the top-level message called `path`. */
  static decode(bytes: Uint8Array, path: string): ProtoMessage {
    return ProtoMessage.#parse(bytes, path, 0, 0);
  }

  static #parse(bytes: Uint8Array, path: string, depth: number, base: number): ProtoMessage {
    if (depth > MAX_DEPTH) throw bad(path, base, `messages nest deeper than ${MAX_DEPTH} levels`);
    const fields: ProtoField[] = [];
    const fail = (offset: number, what: string) => bad(path, base + offset, what);
    const reader = new VarintReader(bytes, (offset, problem) => fail(offset, VARINT_PROBLEMS[problem]));
    while (reader.at < bytes.length) {
      const offset = reader.at;
      const key = reader.next();
      if (typeof key !== 'number' || key > 0xffffffff) throw fail(offset, 'a field key is out of range');
      const field = Math.floor(key / 8), wire = key % 8;
      if (field === 0) throw fail(offset, 'a field has number 0');
      if (wire === WIRE.varint) {
        const start = base + reader.at;
        fields.push({ field, wire, value: reader.next(), offset: base + offset, start });
        continue;
      }
      let length: number;
      if (wire === WIRE.fixed64) length = 8;
      else if (wire === WIRE.fixed32) length = 4;
      else if (wire === WIRE.bytes) {
        const declared = reader.next();
        // Compared before anything is taken: a huge declared length is refused, not allocated.
        if (typeof declared !== 'number' || declared > bytes.length - reader.at) {
          throw fail(offset, `field ${field} declares ${declared} bytes, but only ${bytes.length - reader.at} remain`);
        }
        length = declared;
      } else {
        throw fail(offset, `field ${field} has wire type ${wire}, which is ${wire === 3 || wire === 4 ? 'a group (not used by ONNX)' : 'not a protobuf wire type'}`);
      }
      if (length > bytes.length - reader.at) throw fail(offset, `field ${field} runs past the end (truncated)`);
      fields.push({ field, wire, value: bytes.subarray(reader.at, reader.at + length), offset: base + offset, start: base + reader.at });
      reader.at += length;
    }
    return new ProtoMessage(path, fields, depth, base);
  }

  #of(field: number): ProtoField[] {
    return this.fields.filter((f) => f.field === field);
  }

  #wrong(f: ProtoField, name: string, expected: string): WasmgradError {
    return bad(`${this.path}.${name}`, f.offset, `has wire type ${f.wire}, expected ${expected}`);
  }

  /** The last value of a singular integer field (protobuf: the last one wins), or `fallback`. */
  int(field: number, name: string, fallback = 0): number {
    const last = this.#of(field).at(-1);
    if (last === undefined) return fallback;
    if (last.wire !== WIRE.varint) throw this.#wrong(last, name, 'a varint');
    return signed(last.value, `${this.path}.${name}`, last.offset);
  }

  /** A repeated integer field (int32/int64, packed or not), as signed values that must be safe integers. */
  ints(field: number, name: string): number[] {
    const out: number[] = [];
    for (const f of this.#of(field)) {
      if (f.wire === WIRE.varint) out.push(signed(f.value, `${this.path}.${name}`, f.offset));
      else if (f.wire === WIRE.bytes) {
        const packed = ProtoMessage.#packedVarints(f.value, `${this.path}.${name}`, f.start);
        for (const v of packed) out.push(v);
      } else throw this.#wrong(f, name, 'a varint');
    }
    return out;
  }

  static #packedVarints(bytes: Uint8Array, path: string, base: number): number[] {
    const out: number[] = [];
    const reader = new VarintReader(bytes, (offset, problem) => bad(path, base + offset, PACKED_PROBLEMS[problem]));
    while (reader.at < bytes.length) {
      const start = reader.at;
      out.push(signed(reader.next(), path, base + start));
    }
    return out;
  }

  /** The last value of a singular `float` field, or `fallback`. */
  float(field: number, name: string, fallback: number): number {
    const all = this.floatArray(field, name);
    return all.length === 0 ? fallback : all[all.length - 1];
  }

  /** A repeated `float` field, packed or not. */
  floats(field: number, name: string): number[] {
    return Array.from(this.floatArray(field, name));
  }

  /**
   * A repeated `float` field, packed or not, as one Float32Array: a packed
   * block (float_data: a tensor's weights) is one byte copy on a
   * little-endian host, not a number per value.
   */
  floatArray(field: number, name: string): Float32Array {
    const parts = this.#of(field);
    let count = 0;
    for (const f of parts) {
      if (f.wire !== WIRE.fixed32 && f.wire !== WIRE.bytes) throw this.#wrong(f, name, 'fixed32 (a float)');
      if (f.value.length % 4 !== 0) throw bad(`${this.path}.${name}`, f.offset, `packed floats take ${f.value.length} bytes, not a multiple of 4`);
      count += f.value.length / 4;
    }
    const out = new Float32Array(count);
    // One byte view of the result for all parts: unpacked float_data is a 4-byte part per value, so no view per part.
    const outBytes = new Uint8Array(out.buffer);
    let at = 0;
    for (const { value: bytes } of parts as { value: Uint8Array }[]) {
      if (LITTLE_ENDIAN) outBytes.set(bytes, 4 * at);
      else {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < bytes.length; i += 4) out[at + i / 4] = view.getFloat32(i, true);
      }
      at += bytes.length / 4;
    }
    return out;
  }

  /** Every occurrence of a `bytes` field, as views into the input. */
  allBytes(field: number, name: string): Uint8Array[] {
    return this.#of(field).map((f) => {
      if (f.wire !== WIRE.bytes) throw this.#wrong(f, name, '2 (length-delimited)');
      return f.value;
    });
  }

  /** The last occurrence of a `bytes` field, or null. */
  bytes(field: number, name: string): Uint8Array | null {
    return this.allBytes(field, name).at(-1) ?? null;
  }

  /** Every occurrence of a `string` field (UTF-8, checked). */
  strings(field: number, name: string): string[] {
    const fields = this.#of(field);
    return this.allBytes(field, name).map((b, i) => {
      try {
        return utf8Decoder.decode(b);
      } catch {
        throw bad(`${this.path}.${name}`, fields[i].offset, 'is not valid UTF-8');
      }
    });
  }

  /** The last occurrence of a `string` field, or `fallback`. */
  string(field: number, name: string, fallback = ''): string {
    return this.strings(field, name).at(-1) ?? fallback;
  }

  /** Every occurrence of a sub-message field, decoded (the path indexed: `graph.node[2]`). */
  messages(field: number, name: string): ProtoMessage[] {
    const fields = this.#of(field);
    return this.allBytes(field, name).map((b, i) => ProtoMessage.#parse(b, `${this.path}.${name}[${i}]`, this.depth + 1, fields[i].start));
  }

  /** The last occurrence of a sub-message field (protobuf merges repeats; ONNX writers never repeat one), or null. */
  message(field: number, name: string): ProtoMessage | null {
    const fields = this.#of(field);
    const last = this.allBytes(field, name).at(-1);
    return last === undefined ? null : ProtoMessage.#parse(last, `${this.path}.${name}`, this.depth + 1, fields.at(-1)!.start);
  }

  /** Whether the field occurs at all. */
  has(field: number): boolean {
    return this.fields.some((f) => f.field === field);
  }
}

/** What can be wrong with a varint, worded for a field key or value, and for one inside a packed field. */
type VarintProblem = 'truncated' | 'long' | 'overflow';
const VARINT_PROBLEMS: Record<VarintProblem, string> = {
  truncated: 'a varint runs past the end (truncated)',
  long: 'a varint is longer than 10 bytes',
  overflow: 'a varint overflows 64 bits',
};
const PACKED_PROBLEMS: Record<VarintProblem, string> = {
  truncated: 'a packed varint is truncated or longer than 10 bytes',
  long: 'a packed varint is truncated or longer than 10 bytes',
  overflow: 'a packed varint overflows 64 bits',
};

/**
 * Reads varints from `bytes`, from `at` on: the one decoder for field keys,
 * varint fields and packed repeated varints, so each refuses the same bytes
 * (a packed one past 64 bits was once wrapped into range instead).
 */
class VarintReader {
  at = 0;

  constructor(private readonly bytes: Uint8Array, private readonly fail: (offset: number, problem: VarintProblem) => WasmgradError) {}

  /** The next varint: a number, or a bigint past 2^53 (below 2^64). */
  next(): number | bigint {
    const { bytes } = this;
    const start = this.at;
    let small = 0, scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= bytes.length) throw this.fail(start, 'truncated');
      const b = bytes[this.at++];
      if (i < 7) small += (b & 0x7f) * scale; // up to 49 bits: exact in a double
      scale *= 128;
      if ((b & 0x80) === 0) {
        if (i < 7) return small;
        let big = 0n;
        for (let j = this.at - 1; j >= start; j--) big = (big << 7n) | BigInt(bytes[j] & 0x7f);
        if (big >= 1n << 64n) throw this.fail(start, 'overflow');
        return Number.isSafeInteger(Number(big)) && BigInt(Number(big)) === big ? Number(big) : big;
      }
    }
    throw this.fail(start, 'long');
  }
}

/** A varint read as int64: two's complement above 2^63, and it must be a safe integer. */
function signed(value: number | bigint, path: string, offset: number): number {
  if (typeof value === 'number') return value;
  const v = BigInt.asIntN(64, value);
  if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(path, offset, `holds ${v}, beyond what a double holds exactly`);
  return Number(v);
}

function bad(path: string, offset: number, what: string): WasmgradError {
  return badModelError(`ONNX protobuf: ${path} at byte ${offset}: ${what}`);
}
