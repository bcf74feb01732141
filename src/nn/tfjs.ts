/**
 * Interop with TensorFlow.js Layers models: writes and reads the
 * model.json + weights.bin artifact that `tf.loadLayersModel` and
 * `model.save` use, without depending on @tensorflow/tfjs at run time.
 * Only what wasmgrad can represent exactly is accepted: a Sequential stack of
 * Dense layers, with LeakyReLU(alpha 0.01) allowed after a linear Dense.
 *
 * Errors: a malformed artifact (model.json's fields, the weight bytes) is
 * WASMGRAD_BAD_MODEL_FILE naming the field; a wrong argument or option is
 * WASMGRAD_INVALID_ARGUMENT; a file that cannot be read or written is
 * WASMGRAD_IO. Arrays are walked by index, so a sparse array's holes are
 * refused, not skipped.
 */
import { ACTIVATION_TABLE, LEAKY_SLOPE, activationInfo, type Activation } from '../backend/kinds.js';
import { badModelError, codedError, isWasmgradError, unsupportedError, type WasmgradError } from '../errors.js';
import { writeFileAtomic } from './files.js';
import { platform } from '../platform/platform.js';
import { dense } from './layers.js';
import { checkImportOptions, type ImportOptions } from './import-options.js';
import { Network } from './network.js';
import { checkConfig } from './sequential.js';
import { argumentError, describe, plainObject } from './validate.js';

/** One entry of a weights manifest: `name` is `<layer name>/kernel` or `<layer name>/bias`. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The model.json of a TF.js Layers model. */
export interface TfjsModelJson {
  modelTopology: { class_name: 'Sequential'; config: { name: string; layers: { class_name: string; config: Record<string, unknown> }[] } };
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

export type FromTfjsOptions = ImportOptions;

/** Weight bytes: one buffer, or several (concatenated in order, as TF.js's `WeightData` and multi-shard manifests allow). */
export type TfjsWeightData = ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[];

/**
 * A TF.js Layers model artifact for `net`: `modelJson` (save it as model.json)
 * and `weightData`, every kernel (in×out row-major, TF's layout) and bias as
 * little-endian float32, in manifest order (save it as weights.bin). Load it
 * in TF.js with `tf.loadLayersModel(tf.io.fromMemory(...))` or from files.
 * leakyRelu becomes a linear Dense followed by a LeakyReLU layer, since TF.js
 * Dense has no leaky activation.
 */
export function toTfjs(net: Network): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  if (!(net instanceof Network)) throw argumentError('toTfjs', 'net', 'a Network', net);
  const params = net.getWeights(); // throws if disposed
  const layers: TfjsModelJson['modelTopology']['config']['layers'] = [];
  const specs: TfjsWeightSpec[] = [];
  let inSize = net.inputSize;
  net.layers.forEach(({ units, activation }, l) => {
    const name = `dense_${l + 1}`;
    // The registry's Keras name; none (leakyRelu) means a linear Dense and a LeakyReLU layer after it.
    const tfjsName = activationInfo(activation).tfjs;
    const leaky = tfjsName === null;
    const config = { name, trainable: true, dtype: 'float32', units, activation: tfjsName ?? 'linear', use_bias: true };
    layers.push({ class_name: 'Dense', config: l === 0 ? { ...config, batch_input_shape: [null, net.inputSize] } : config });
    if (leaky) layers.push({ class_name: 'LeakyReLU', config: { name: `leaky_re_lu_${l + 1}`, trainable: true, dtype: 'float32', alpha: LEAKY_SLOPE } });
    specs.push({ name: `${name}/kernel`, shape: [inSize, units], dtype: 'float32' }, { name: `${name}/bias`, shape: [units], dtype: 'float32' });
    inSize = units;
  });
  const values = params.flatMap(({ weights, bias }) => [...weights.flat(), ...bias]);
  const weightData = new ArrayBuffer(values.length * 4);
  const view = new DataView(weightData);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true)); // explicit little-endian, whatever the host
  const modelTopology = { class_name: 'Sequential', config: { name: 'sequential_1', layers } } as const;
  const weightsManifest = [{ paths: ['weights.bin'], weights: specs }];
  return { modelJson: { modelTopology, format: 'layers-model', generatedBy: 'wasmgrad', convertedBy: null, weightsManifest }, weightData };
}

const WHERE = 'fromTfjs';
/**
 * TF.js activation names wasmgrad computes identically (TF's elu has alpha 1,
 * softmax is over the last axis), to wasmgrad's names: the registry's `tfjs` column.
 */
const FROM_TFJS: ReadonlyMap<string, Activation> = new Map(
  ACTIVATION_TABLE.flatMap((a): [string, Activation][] => (a.tfjs === null ? [] : [[a.tfjs, a.name]])));
const SUPPORTED = [...FROM_TFJS.keys()];
/** The largest weight dimension read: beyond it the byte count would stop being an exact integer. */
const MAX_DIMENSION = 2 ** 32;

/**
 * `where: name must be expected, got value`, as argumentError words it, but
 * WASMGRAD_BAD_MODEL_FILE: the artifact is wrong, not the call. A RangeError
 * for a number or a missing value, a TypeError otherwise.
 */
function badField(name: string, expected: string, value: unknown, where = WHERE): WasmgradError {
  const kind = typeof value === 'number' || value === undefined || value === null ? 'RangeError' : 'TypeError';
  return badModelError(`${where}: ${name} must be ${expected}, got ${describe(value)}`, kind);
}

/** A field of model.json that must be a plain object. */
function field(name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badField(name, 'an object', value);
  return value as Record<string, unknown>;
}

/** An array field of model.json, its entries in order; a hole is refused (forEach and map would skip it). */
function entries(name: string, value: unknown, expected: string, where = WHERE): unknown[] {
  if (!Array.isArray(value)) throw badField(name, expected, value, where);
  const list: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw badModelError(`${where}: ${name}[${i}] is an empty slot (the array has a hole there)`, 'TypeError');
    list.push(value[i]);
  }
  return list;
}

/** A positive whole number in model.json (units, input width). */
function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_DIMENSION) {
    throw badField(name, `a positive integer up to ${MAX_DIMENSION}`, value);
  }
  return value;
}

interface DenseInfo { path: string; name: string; units: number; activation: Activation; useBias: boolean }
interface Spec { name: string; shape: number[]; offset: number; used: boolean; group?: unknown }

/**
 * Reads a TF.js Layers model: `modelJson` is model.json (object or text) or the
 * `ModelArtifacts` a `tf.io.withSaveHandler` callback receives (with
 * `weightSpecs` instead of `weightsManifest`); `weightData` its weight bytes.
 * Everything (layer classes, activations, every weight's name, shape, dtype
 * and finiteness, the total byte length) is checked before any memory is
 * taken, so a bad artifact builds nothing. Weights are found by name, as TF.js
 * does, so both `dense_1/kernel` and Keras-style `dense_Dense1/kernel` work.
 */
export function fromTfjs(modelJson: unknown, weightData: TfjsWeightData, options: FromTfjsOptions = {}): Network {
  const { backend, loss, optimizer } = checkImportOptions(WHERE, options);
  const bytes = concatBytes(weightData);
  const model = plainObject(WHERE, 'modelJson', typeof modelJson === 'string' ? parseJson(WHERE, 'modelJson', modelJson) : modelJson);
  if (model.format !== undefined && model.format !== 'layers-model') {
    throw badField('modelJson.format', '"layers-model" (graph models have no layer structure to read)', model.format);
  }

  const { inputSize: declaredInput, layers } = readTopology(model.modelTopology);
  const specs = readSpecs(model);
  const expected = specs.reduce((n, s) => n + 4 * size(s.shape), 0);
  if (bytes.byteLength !== expected) {
    throw badModelError(`${WHERE}: weightData holds ${bytes.byteLength} bytes, expected ${expected} (the ${specs.length} float32 weights the manifest lists)`);
  }
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  if (byName.size < specs.length) {
    const twice = specs.find((spec, i) => specs.findIndex((other) => other.name === spec.name) !== i)!;
    throw badModelError(`${WHERE}: the manifest lists the weight "${twice.name}" twice`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (layer: DenseInfo, kind: 'kernel' | 'bias', shape: (number | null)[]): Float32Array => {
    const spec = byName.get(`${layer.name}/${kind}`);
    if (!spec) throw badModelError(`${WHERE}: weight "${layer.name}/${kind}" (the ${kind} of ${layer.path}) is missing from the weights manifest`);
    if (spec.shape.length !== shape.length || shape.some((d, i) => d !== null && d !== spec.shape[i])) {
      throw badModelError(`${WHERE}: weight "${spec.name}" has shape [${spec.shape}], expected [${shape.map((d) => d ?? 'n')}]`);
    }
    spec.used = true;
    const out = new Float32Array(size(spec.shape));
    for (let i = 0; i < out.length; i++) {
      out[i] = view.getFloat32(spec.offset + 4 * i, true);
      if (!Number.isFinite(out[i])) throw badModelError(`${WHERE}: weight "${spec.name}"[${i}] is ${out[i]}, expected a finite number`);
    }
    return out;
  };
  // Without batch_input_shape the first kernel's rows say how many inputs there are.
  let inSize: number | null = declaredInput ?? null;
  const parameters = layers.map((layer) => {
    const w = read(layer, 'kernel', [inSize, layer.units]);
    const b = layer.useBias ? read(layer, 'bias', [layer.units]) : new Float32Array(layer.units); // use_bias false: b = 0
    inSize = layer.units;
    return [w, b] as const;
  });
  // TF.js's own loader refuses weights no layer takes (except the optimizer's); so do we, as they mean a misread.
  const stray = specs.find((s) => !s.used && s.group !== 'optimizer');
  if (stray) throw badModelError(`${WHERE}: weight "${stray.name}" in the manifest belongs to no Dense layer`);
  const inputSize = declaredInput ?? parameters[0][0].length / layers[0].units;
  if (inputSize === 0) throw badModelError(`${WHERE}: weight "${layers[0].name}/kernel" has no rows: the model takes no inputs`);
  // backend undefined: the runtime's default, as sequential() picks it ('js' under init({ backend: 'js' })).
  const config = checkConfig(WHERE, {
    inputSize, loss, optimizer, ...(backend === undefined ? {} : { backend }), layers: layers.map((l) => dense(l.units, { activation: l.activation })),
  });
  return new Network(config, parameters);
}

/** The Sequential's Dense layers (LeakyReLU folded into the Dense before it) and the declared input width, if any. */
function readTopology(value: unknown): { inputSize?: number; layers: DenseInfo[] } {
  let path = 'modelJson.modelTopology';
  let topology = field(path, value);
  // Keras-converted files wrap the model in model_config; TF.js unwraps it too.
  if (topology.model_config != null) topology = field(path += '.model_config', topology.model_config);
  if (topology.class_name !== 'Sequential') {
    throw badField(`${path}.class_name`, '"Sequential" (functional models are not supported)', topology.class_name);
  }
  // Old Keras Sequential configs are the bare layer list.
  const bare = Array.isArray(topology.config);
  const listValue = bare ? topology.config : field(`${path}.config`, topology.config).layers;
  path += bare ? '.config' : '.config.layers';
  const list = entries(path, listValue, 'a non-empty array of layers');
  if (list.length === 0) throw badField(path, 'a non-empty array of layers', listValue);
  let inputSize: number | undefined;
  const layers: DenseInfo[] = [];
  const names = new Set<string>();
  list.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    const layer = field(at, entry);
    const config = field(`${at}.config`, layer.config);
    const shape = config.batch_input_shape ?? config.batch_shape;
    if (i === 0 && shape !== undefined) {
      if (!Array.isArray(shape) || shape.length !== 2 || !(0 in shape) || shape[0] !== null) throw badField(`${at}.config.batch_input_shape`, '[null, inputs]', shape);
      inputSize = count(`${at}.config.batch_input_shape[1]`, shape[1]);
    }
    if (layer.class_name === 'InputLayer' && i === 0) return;
    if (layer.class_name === 'Dense') {
      const name = config.name;
      if (typeof name !== 'string' || name === '') throw badField(`${at}.config.name`, 'a non-empty string (weights are found by it)', name);
      // Two layers of one name would both read one weight: TF.js refuses that too.
      if (names.has(name)) throw badField(`${at}.config.name`, 'a name no other layer has (weights are found by it)', name);
      names.add(name);
      const activation = config.activation ?? 'linear';
      const ours = typeof activation === 'string' ? FROM_TFJS.get(activation) : undefined;
      if (ours === undefined) {
        throw badField(`${at}.config.activation`, `one of ${SUPPORTED.map((a) => `"${a}"`).join(', ')} (what wasmgrad computes)`, activation);
      }
      if (config.use_bias !== undefined && typeof config.use_bias !== 'boolean') throw badField(`${at}.config.use_bias`, 'true or false', config.use_bias);
      const units = count(`${at}.config.units`, config.units);
      layers.push({ path: at, name, units, activation: ours, useBias: config.use_bias !== false });
      return;
    }
    if (layer.class_name === 'LeakyReLU') {
      const previous = i > 0 ? (list[i - 1] as { class_name?: unknown }).class_name : undefined;
      const target = layers.at(-1);
      if (previous !== 'Dense' || !target || target.activation !== 'linear') {
        throw badModelError(`${WHERE}: ${at} is a LeakyReLU, which wasmgrad supports only directly after a Dense with activation "linear"`, 'TypeError');
      }
      // Keras 3 calls alpha negative_slope; Python Keras writes float32 0.01 as 0.009999999776482582, hence fround.
      const alpha = config.alpha ?? config.negative_slope;
      if (typeof alpha !== 'number' || Math.fround(alpha) !== Math.fround(LEAKY_SLOPE)) {
        throw badField(`${at}.config.alpha`, `${LEAKY_SLOPE} (wasmgrad's leakyRelu slope)`, alpha);
      }
      target.activation = 'leakyRelu';
      return;
    }
    throw badField(`${at}.class_name`, '"Dense", "LeakyReLU" (after a linear Dense) or "InputLayer" (first)', layer.class_name);
  });
  if (layers.length === 0) throw badModelError(`${WHERE}: ${path} holds no Dense layer`, 'TypeError');
  layers.slice(0, -1).forEach((l) => {
    if (activationInfo(l.activation).lastLayerOnly) {
      throw badModelError(`${WHERE}: ${l.path} has activation "${activationInfo(l.activation).tfjs}", which wasmgrad supports only on the last layer`);
    }
  });
  return { inputSize, layers };
}

/** The weight specs in byte order: `weightSpecs` (ModelArtifacts) or every `weightsManifest` group's weights. */
function readSpecs(model: Record<string, unknown>): Spec[] {
  let list: [string, unknown][];
  if (model.weightSpecs !== undefined) {
    list = entries('modelJson.weightSpecs', model.weightSpecs, 'an array').map((s, i) => [`modelJson.weightSpecs[${i}]`, s]);
  } else {
    const groups = entries('modelJson.weightsManifest', model.weightsManifest, 'an array of { paths, weights } groups');
    list = groups.flatMap((g, gi) => {
      const at = `modelJson.weightsManifest[${gi}]`;
      return entries(`${at}.weights`, field(at, g).weights, 'an array').map((s, i): [string, unknown] => [`${at}.weights[${i}]`, s]);
    });
  }
  let offset = 0;
  return list.map(([at, entry]) => {
    const spec = field(at, entry);
    if (typeof spec.name !== 'string') throw badField(`${at}.name`, 'a string', spec.name);
    if (spec.dtype !== undefined && spec.dtype !== 'float32') throw badField(`${at}.dtype`, '"float32"', spec.dtype);
    if (spec.quantization !== undefined) throw badField(`${at}.quantization`, 'absent (quantized weights are not supported)', spec.quantization);
    const dims = entries(`${at}.shape`, spec.shape, 'an array of non-negative integers');
    if (!dims.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= MAX_DIMENSION)) {
      throw badField(`${at}.shape`, `an array of non-negative integers up to ${MAX_DIMENSION}`, spec.shape);
    }
    const shape = dims as number[];
    const result = { name: spec.name, shape, offset, used: false, group: spec.group };
    offset += 4 * size(shape);
    return result;
  });
}

function parseJson(where: string, name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw badModelError(`${where}: ${name} is not valid JSON (${(cause as Error).message})`, 'SyntaxError', { cause });
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The weight bytes as one Uint8Array (copied only when given in several pieces); holes and detached buffers refused. */
function concatBytes(data: unknown): Uint8Array {
  const one = (part: unknown, name: string): Uint8Array => {
    try {
      if (part instanceof ArrayBuffer) return new Uint8Array(part);
      if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    } catch {
      // A detached buffer (transferred to a worker, say) cannot be viewed.
      throw argumentError(WHERE, name, 'an ArrayBuffer or typed array that is not detached', part);
    }
    throw argumentError(WHERE, name, 'an ArrayBuffer, a typed array or an array of them', part);
  };
  if (!Array.isArray(data)) return one(data, 'weightData');
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i++) parts.push(one(i in data ? data[i] : undefined, `weightData[${i}]`));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.byteLength), 0);
  return out;
}

/** Node's fs/promises and path, from the platform (src/platform/): the browser entry has none, and says so. */
async function nodeFs(where: string) {
  const { files } = platform();
  if (!files) throw unsupportedError(`${where} reads and writes files, which needs Node; in a browser use toTfjs() and fromTfjs()`);
  return [files.fs.promises, files.path] as const;
}

/** WASMGRAD_IO: `where: cannot <what>: <the file system's reason>`, its error as the cause. */
function ioError(where: string, what: string, cause: unknown): WasmgradError {
  return codedError('WASMGRAD_IO', `${where}: cannot ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, 'Error', { cause });
}

/**
 * Writes `net` as a TF.js Layers model: `dir`/model.json and `dir`/weights.bin
 * (the directory is created if needed), each written as `save` writes (a
 * temporary file of its own, flushed to disk, renamed over the old one) so no
 * file is ever half written and concurrent saves each finish. Loads in TF.js
 * with `tf.loadLayersModel('file://dir/model.json')` (tfjs-node) or over HTTP.
 */
export async function saveTfjs(net: Network, dir: string): Promise<void> {
  if (typeof dir !== 'string' || dir === '') throw argumentError('saveTfjs', 'dir', 'a directory path', dir);
  const { modelJson, weightData } = toTfjs(net); // before touching the disk
  const [fs, { join }] = await nodeFs('saveTfjs');
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (cause) {
    throw ioError('saveTfjs', `create the directory ${dir}`, cause);
  }
  // Weights first: model.json is what loaders open, so it lands only once the bytes it describes are in place.
  await writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array(weightData), 'saveTfjs');
  await writeFileAtomic(join(dir, 'model.json'), JSON.stringify(modelJson), 'saveTfjs');
}

/**
 * Reads a TF.js Layers model from a directory holding model.json, or from the
 * path of a model.json; its weight files are read from beside it, in manifest
 * order. Errors are `fromTfjs`'s, with the file named (WASMGRAD_IO for a file
 * that cannot be read); nothing is built on error.
 */
export async function loadTfjs(path: string, options: FromTfjsOptions = {}): Promise<Network> {
  if (typeof path !== 'string' || path === '') throw argumentError('loadTfjs', 'path', 'a directory or model.json path', path);
  checkImportOptions('loadTfjs', options); // before reading anything; fromTfjs applies them
  const [fs, { dirname, join, isAbsolute }] = await nodeFs('loadTfjs');
  let modelPath = path, text: string;
  try {
    if ((await fs.stat(path)).isDirectory()) modelPath = join(path, 'model.json');
    text = await fs.readFile(modelPath, 'utf8');
  } catch (cause) {
    throw ioError('loadTfjs', `read ${modelPath}`, cause);
  }
  const model = parseJson('loadTfjs', modelPath, text);
  const manifest = (model !== null && typeof model === 'object' ? model as { weightsManifest?: unknown } : {}).weightsManifest;
  const files = entries(`weightsManifest of ${modelPath}`, manifest, 'an array of { paths, weights } groups', 'loadTfjs').flatMap((group, g) => {
    const paths = (group !== null && typeof group === 'object' ? group as { paths?: unknown } : {}).paths;
    return entries(`weightsManifest[${g}].paths of ${modelPath}`, paths, 'an array of file names', 'loadTfjs');
  });
  files.forEach((file, i) => {
    // A model.json names files beside it; one reaching elsewhere on the disk is refused, not followed.
    if (typeof file !== 'string' || file === '' || isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
      throw badModelError(`loadTfjs: weight file ${i} of ${modelPath} must be a relative path beside it, got ${describe(file)}`, 'TypeError');
    }
  });
  const buffers = await Promise.all((files as string[]).map(async (file) => {
    try {
      return await fs.readFile(join(dirname(modelPath), file));
    } catch (cause) {
      throw ioError('loadTfjs', `read weight file ${file} of ${modelPath}`, cause);
    }
  }));
  try {
    return fromTfjs(model, buffers, options);
  } catch (error) {
    if (isWasmgradError(error, 'WASMGRAD_BAD_MODEL_FILE')) error.message = `${error.message} (in ${modelPath})`;
    throw error;
  }
}
