#!/usr/bin/env node
// The onnxruntime half of bench/ort_vs_ssdx.sh (benchmark-only: the engine never uses onnxruntime).
//
//   node ort_bench.js MODEL [--threads N] [--runs N] [--warmup N] [--seed N] [--save-inputs DIR]
//       Times MODEL in onnxruntime-node (CPU, intraOpNumThreads N, interOpNumThreads 1, all graph optimizations)
//       on seeded random inputs (float: normal(0, 1), what a normalised photo looks like; integers: [0, 10)) and
//       prints one JSON object shaped like `ssdx bench --json`'s. --save-inputs writes each input as DIR/in<i>.npy
//       and DIR/inputs.txt with one NAME=FILE per line, for `ssdx bench --input`, so both engines see the same data.
//       --inputs LIST reads the inputs from such a NAME=FILE list (.npy files, float32/int64) instead of drawing them.
//       --input-shape "NAME=D0xD1x...[;NAME=...]" gives inputs with free dims their shapes, as onnxruntime's
//       free-dimension overrides (ssdx bench --input-shape does the same on its side).
//       --profile OUT.json runs the timed loop with onnxruntime's profiler on and writes OUT.json: the model, the
//       engine and `nodes`, one entry per ORT node in the order first run, with its name, op_type, mean kernel ms per
//       timed run and input_shapes (bench/layers_vs_ort.sh joins it with `ssdx bench --json`).
//   node ort_bench.js --report ORT.json SSDX.json [--json]
//       Prints the side-by-side table of two such objects (or one JSON object with both and the ratios).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const {loadOrt} = require('../tests/ort_reference/ort_module');

function die(msg) {
  process.stderr.write('ort_bench: ' + String(msg).replace(/\s*\n\s*/g, ' ') + '\n');
  process.exit(1);
}

// dtype -> [typed array, NumPy descr]
const TYPES = {
  float32: [Float32Array, '<f4'],
  int64: [BigInt64Array, '<i8'],
  int32: [Int32Array, '<i4'],
  int8: [Int8Array, '|i1'],
  uint8: [Uint8Array, '|u1'],
  bool: [Uint8Array, '|b1'],
};

// mulberry32: a tiny seeded generator, so a run can be repeated with the same input.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// "--input-shape a=32x3x300x300;b=..." as {a: [32, 3, 300, 300], ...}.
function parseInputShapes(spec) {
  const shapes = {};
  for (const part of spec.split(';').filter((p) => p)) {
    const eq = part.lastIndexOf('=');
    const dims = eq > 0 ? part.slice(eq + 1).split(/[x,]/).map(Number) : [];
    if (eq <= 0 || !dims.length || dims.some((d) => !Number.isInteger(d) || d < 0))
      die(`--input-shape expects NAME=D0xD1x..., got '${part}'`);
    shapes[part.slice(0, eq)] = dims;
  }
  return shapes;
}

// onnxruntime's free-dimension overrides (by symbolic dim name) that give the inputs the shapes asked for.
function freeDimensionOverrides(metadata, shapes) {
  const overrides = {};
  for (const meta of metadata) {
    const want = shapes[meta.name];
    if (!want) continue;
    if (want.length !== meta.shape.length) die(`--input-shape ${meta.name}: rank ${want.length}, the model's is ${meta.shape.length}`);
    meta.shape.forEach((d, k) => {
      if (typeof d === 'string' && d) overrides[d] = want[k];
      else if (typeof d === 'number' && d >= 0 && d !== want[k]) die(`--input-shape ${meta.name}: dim ${k} is fixed at ${d}`);
    });
  }
  return overrides;
}

function randomInput(meta, next, shape) {
  if (!meta.isTensor || !TYPES[meta.type]) die(`input '${meta.name}': unsupported type ${meta.type}`);
  // Symbolic dims become 1, as in ssdx, unless --input-shape gives them.
  const dims = shape || meta.shape.map((d) => (typeof d === 'number' ? d : 1));
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new TYPES[meta.type][0](count);
  for (let i = 0; i < count; ++i) {
    if (meta.type === 'float32') {  // Box-Muller
      data[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    } else {
      const v = Math.floor(next() * (meta.type === 'bool' ? 2 : 10));
      data[i] = meta.type === 'int64' ? BigInt(v) : v;
    }
  }
  return {dims, data};
}

// NumPy .npy version 1.0: magic, header length, a Python dict literal padded so the data starts at a multiple of 64.
function writeNpy(file, type, dims, data) {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${TYPES[type][1]}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix);
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'),
                                        Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// Reads a NumPy .npy file as written by writeNpy or ssdx (version 1/2, little-endian, C order).
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') die(`${file}: not a .npy file`);
  const v1 = buf[6] === 1;
  const headerLen = v1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (v1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', v1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  const type = descr && Object.keys(TYPES).find((t) => TYPES[t][1] === descr[1]);
  if (!type || !shape || /'fortran_order':\s*True/.test(header)) die(`${file}: unsupported .npy header ${header}`);
  const dims = shape[1].split(',').map((x) => x.trim()).filter((x) => x).map(Number);
  const data = new TYPES[type][0](buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return {type, dims, data};
}

// Nearest-rank percentile, the same definition as ssdx bench: sorted[ceil(p/100 * n) - 1], the minimum at p = 0.
function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function parseArgs(args, defaults) {
  const opts = {...defaults, positional: []};
  for (let i = 0; i < args.length; ++i) {
    const a = args[i];
    const key = a.replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (!a.startsWith('--')) opts.positional.push(a);
    else if (typeof defaults[key] === 'boolean') opts[key] = true;
    else if (key in defaults) {
      if (i + 1 >= args.length) die(`${a} needs a value`);
      opts[key] = typeof defaults[key] === 'number' ? Number(args[++i]) : args[++i];
      if (typeof defaults[key] === 'number' && !(Number.isInteger(opts[key]) && opts[key] >= 0))
        die(`${a} expects a non-negative integer, got '${args[i]}'`);
    } else die(`unknown option '${a}'`);
  }
  return opts;
}

// onnxruntime's profile (a Chrome trace: one `model_run` event per run, one `NAME_kernel_time` event per node run) as
// one entry per node with its mean kernel time over the runs after the first `skipRuns` (the warm-up).
function nodeTimes(events, skipRuns) {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const timed = runs.slice(skipRuns);
  if (!timed.length) die('the onnxruntime profile has no timed model_run event');
  const nodes = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < timed[0].ts) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (!nodes.has(name)) {
      const shapes = (e.args.input_type_shape || []).map((t) => Object.values(t)[0]);
      nodes.set(name, {name, op_type: e.args.op_name, ms: 0, input_shapes: shapes, ts: e.ts});
    }
    nodes.get(name).ms += e.dur / 1000 / timed.length;  // dur is in microseconds
  }
  return [...nodes.values()].sort((a, b) => a.ts - b.ts).map(({ts, ...node}) => node);
}

async function bench(o) {
  if (o.positional.length !== 1) die('usage: node ort_bench.js MODEL [--threads N] [--runs N] [--warmup N] ...');
  if (o.threads < 1 || o.runs < 1) die('--threads and --runs must be at least 1');
  const model = o.positional[0];
  const ort = loadOrt(die);
  const options = {intraOpNumThreads: o.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
                   executionMode: 'sequential', logSeverityLevel: 3};
  const shapes = parseInputShapes(o.inputShape);
  if (Object.keys(shapes).length) {  // a first load reads the symbolic dim names the overrides are keyed by
    const probe = await ort.InferenceSession.create(model, options);
    options.freeDimensionOverrides = freeDimensionOverrides(probe.inputMetadata, shapes);
  }
  const profileDir = o.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'ort_profile.')) : '';
  if (o.profile) Object.assign(options, {enableProfiling: true, profileFilePrefix: path.join(profileDir, 'ort')});
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(model, options);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const next = rng(o.seed);
  const feeds = {};
  const lines = [];
  if (o.inputs) {
    for (const line of fs.readFileSync(o.inputs, 'utf8').split('\n').filter((l) => l.trim())) {
      const eq = line.indexOf('=');
      const {type, dims, data} = readNpy(line.slice(eq + 1).trim());
      feeds[line.slice(0, eq)] = new ort.Tensor(type, data, dims);
    }
  }
  if (!o.inputs) session.inputMetadata.forEach((meta, i) => {
    const {dims, data} = randomInput(meta, next, shapes[meta.name]);
    feeds[meta.name] = new ort.Tensor(meta.type, data, dims);
    if (o.saveInputs) {
      const file = path.resolve(o.saveInputs, `in${i}.npy`);  // input names need not be valid file names
      writeNpy(file, meta.type, dims, data);
      lines.push(`${meta.name}=${file}\n`);
    }
  });
  if (o.saveInputs) fs.writeFileSync(path.join(o.saveInputs, 'inputs.txt'), lines.join(''));

  const tty = process.stderr.isTTY;  // progress on a terminal only, as ssdx bench does
  const times = [];
  for (let i = 0; i < o.warmup + o.runs; ++i) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (i >= o.warmup) times.push(ms);
    if (tty) process.stderr.write(`\rORT ${i < o.warmup ? 'warm-up' : 'run'} ${i + 1}/${o.warmup + o.runs} ` +
                                  `${ms.toFixed(1)} ms   `);
  }
  if (tty) process.stderr.write('\r\x1b[K');
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const version = ort.env.versions ? ort.env.versions.node : '?';
  if (o.profile) writeProfile(session, profileDir, o, {engine: `onnxruntime-node ${version}`, model});
  process.stdout.write(JSON.stringify({
    engine: `onnxruntime-node ${version}`, model, threads: o.threads, runs: o.runs, warmup: o.warmup, load_ms: loadMs,
    latency_ms: {min: sorted[0], median: percentile(sorted, 50), p90: percentile(sorted, 90),
                 p99: percentile(sorted, 99), max: sorted[sorted.length - 1], mean},
    throughput_per_s: 1000 / mean}) + '\n');
}

// Ends profiling (onnxruntime-node writes the file but does not return its name: it is the one file in `dir`) and
// writes the per-node times to o.profile.
function writeProfile(session, dir, o, header) {
  session.endProfiling();
  const files = fs.readdirSync(dir);
  if (files.length !== 1) die(`expected one onnxruntime profile in ${dir}, found ${files.length}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
  fs.rmSync(dir, {recursive: true});
  const nodes = nodeTimes(events, o.warmup);
  const head = JSON.stringify({...header, threads: o.threads, runs: o.runs}).slice(0, -1);
  fs.writeFileSync(o.profile, `${head},\n "nodes": [\n  ${nodes.map((n) => JSON.stringify(n)).join(',\n  ')}]}\n`);
}

function report(o) {
  if (o.positional.length !== 2) die('usage: node ort_bench.js --report ORT.json SSDX.json [--json]');
  const [ort, ssdx] = o.positional.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const ratio = (k) => ssdx.latency_ms[k] / ort.latency_ms[k];
  if (o.json) {
    process.stdout.write(JSON.stringify({model: ssdx.model, threads: ssdx.threads, runs: ssdx.runs, ssdx, ort,
                                         ratio: {median: ratio('median'), min: ratio('min')}}) + '\n');
    return;
  }
  const ms = (v) => (v >= 100 ? v.toFixed(1) : v.toPrecision(3));  // tiny test models still show digits
  const row = (name, r) => name.padEnd(8) + [r.latency_ms.median, r.latency_ms.min, r.latency_ms.max, r.load_ms]
                                                .map((v) => ms(v).padStart(11)).join('') + '\n';
  process.stdout.write(
      `${ssdx.model}: ${ssdx.threads} threads, ${ssdx.runs} timed runs after ${ssdx.warmup} warm-up, same input; ` +
      `ORT is ${ort.engine}\n` + 'engine'.padEnd(8) +
      ['median ms', 'min ms', 'max ms', 'load ms'].map((h) => h.padStart(11)).join('') + '\n' +
      row('ssdx', ssdx) + row('ORT', ort) +
      `ssdx median ${ms(ssdx.latency_ms.median)} ms | ORT median ${ms(ort.latency_ms.median)} ms | ` +
      `ratio ${ratio('median').toFixed(2)} (min: ${ratio('min').toFixed(2)}; ssdx/ORT, lower is better)\n`);
}

const args = process.argv.slice(2);
const reportMode = args[0] === '--report';
const opts = parseArgs(reportMode ? args.slice(1) : args,
                       reportMode ? {json: false}
                                  : {threads: 2, runs: 10, warmup: 2, seed: 0, saveInputs: '', inputs: '', inputShape: '',
                                     profile: ''});
(reportMode ? Promise.resolve(report(opts)) : bench(opts)).catch((e) => die(e && e.message ? e.message : e));
