#!/usr/bin/env node
// Test-only onnxruntime oracle: runs MODEL.onnx on the inputs in IN_DIR and writes every output to OUT_DIR.
// The engine never uses this; tests (tests/ort_oracle.cpp) and benchmarks do.
//
//   node run_ort.js MODEL.onnx IN_DIR OUT_DIR [--threads N]
//   node run_ort.js --check            (prints the onnxruntime version; exit 1 if it cannot be loaded)
//
// Exchange format (no protobuf in node): DIR/manifest.json =
//   {"inputs"|"outputs": [{"name": ..., "dtype": "float32|float16|float64|int64|int32|int8|uint8|bool", "dims": [...],
//                          "file": ...}]}
// with each tensor's raw little-endian, row-major data in DIR/<file>.
// onnxruntime-node is resolved from $SSDX_ORT_MODULE_DIR (the folder holding node_modules) or else
// ${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/ort, where install_ort.sh puts it (ort_module.js).
'use strict';

const fs = require('fs');
const path = require('path');
const {moduleDir, loadOrt: loadOrtOr} = require('./ort_module');

const ARRAYS = {
  float32: Float32Array,
  float16: Uint16Array,  // the IEEE bits: onnxruntime-node takes and gives Uint16Array where Float16Array is missing
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,  // onnxruntime-node stores bool as one byte per element
};

function die(msg) {
  process.stderr.write('run_ort: ' + String(msg).replace(/\s*\n\s*/g, ' ') + '\n');
  process.exit(1);
}

const loadOrt = () => loadOrtOr(die);

function readInputs(ort, dir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const feeds = {};
  for (const t of manifest.inputs || []) {
    const Arr = ARRAYS[t.dtype];
    if (!Arr) throw new Error(`input '${t.name}': unsupported dtype '${t.dtype}'`);
    const buf = fs.readFileSync(path.join(dir, t.file));
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (buf.length !== count * Arr.BYTES_PER_ELEMENT)
      throw new Error(`input '${t.name}': ${t.file} has ${buf.length} bytes, dims [${t.dims}] need ` +
                      `${count * Arr.BYTES_PER_ELEMENT}`);
    // Copy into a fresh, aligned buffer: a Buffer's byteOffset need not be a multiple of the element size.
    const data = new Arr(count);
    new Uint8Array(data.buffer).set(buf);
    feeds[t.name] = new ort.Tensor(t.dtype, data, t.dims);
  }
  return feeds;
}

function writeOutputs(session, results, dir) {
  fs.mkdirSync(dir, {recursive: true});
  const outputs = session.outputNames.map((name, i) => {
    const t = results[name];
    if (!ARRAYS[t.type]) throw new Error(`output '${name}': unsupported dtype '${t.type}'`);
    const file = `out${i}.bin`;  // output names may contain characters not allowed in file names
    fs.writeFileSync(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return {name, dtype: t.type, dims: Array.from(t.dims), file};
  });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({outputs}, null, 1) + '\n');
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length === 1 && args[0] === '--check') {
    const ort = loadOrt();
    const version = ort.env.versions ? ort.env.versions.node : '?';
    process.stdout.write(`onnxruntime-node ${version} from ${moduleDir()}\n`);
    return;
  }
  let threads = 1;
  const ti = args.indexOf('--threads');
  if (ti >= 0) {
    threads = Number(args[ti + 1]);
    if (!Number.isInteger(threads) || threads < 1) die('--threads needs a positive integer');
    args.splice(ti, 2);
  }
  if (args.length !== 3) die('usage: node run_ort.js MODEL.onnx IN_DIR OUT_DIR [--threads N]');
  const [model, inDir, outDir] = args;
  const ort = loadOrt();
  try {
    const feeds = readInputs(ort, inDir);
    // logSeverityLevel 3: only errors, so ORT's warnings do not end up in the one-line error channel.
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3});
    const results = await session.run(feeds);
    writeOutputs(session, results, outDir);
  } catch (e) {
    die(e && e.message ? e.message : e);
  }
}

main().catch((e) => die(e && e.message ? e.message : e));
