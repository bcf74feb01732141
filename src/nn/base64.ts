/** Float32 arrays as little-endian base64, the way model files store weights. */

export function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes base64 to float32 values; throws (with `name`) on bad base64 or a length that is not a multiple of 4. */
export function base64ToFloat32(where: string, name: string, text: unknown): Float32Array {
  if (typeof text !== 'string') throw new TypeError(`${where}: ${name} must be a base64 string of float32 values, got ${typeof text}`);
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError(`${where}: ${name} is not valid base64`);
  }
  if (binary.length % 4 !== 0) {
    throw new RangeError(`${where}: ${name} decodes to ${binary.length} bytes, which is not a whole number of float32 values`);
  }
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out = new Float32Array(binary.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
