// bench/layers_report.js's join on two hand-made profiles, and its table from the command line (run by CTest).
'use strict';

const assert = require('assert');
const {execFileSync} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {onnxNameCandidates, joinProfiles, totalsByOpType} = require('../../bench/layers_report');

const ssdx = {model: 'm.onnx', threads: 1, runs: 3, profile: [
  {name: 'Conv_1', op_type: 'FusedConv', ms: 2, impl: 'onednn:jit', layout: 'nChw16c', fused_from: ['Conv_1', 'Relu_2']},
  {name: 'Add_3', op_type: 'Add', ms: 0.5, impl: 'ref', layout: 'nchw', fused_from: ['Add_3']},
  // Claims a copy of Add_3 too (a node duplicated for two consumers): the node named Add_3 keeps Add_3's ORT time.
  {name: 'Pool_4', op_type: 'MaxPool', ms: 0.25, impl: 'ref', layout: 'nchw', fused_from: ['Pool_4', 'Add_3']},
  {name: 'Softmax_5', op_type: 'Softmax', ms: 0.1, impl: 'ref', layout: 'nchw'},  // no fused_from: its name counts
]};
const ort = {engine: 'onnxruntime-node 1.30.0', model: 'm.onnx', nodes: [
  {name: 'Relu_2_nchwc', op_type: 'Conv', ms: 4, input_shapes: [[1, 3, 8, 8]]},  // ORT names the fusion after the Relu
  {name: 'ReorderOutput_token_9', op_type: 'ReorderOutput', ms: 1, input_shapes: [[1, 16, 8, 8]]},
  {name: 'Add_3_token_7', op_type: 'Add', ms: 0.25, input_shapes: [[1, 16, 8, 8]]},
  {name: 'Softmax_5', op_type: 'Softmax', ms: 0.2, input_shapes: [[1, 16, 8, 8]]},
]};

assert.deepStrictEqual(onnxNameCandidates('Conv_2_token_13'), ['Conv_2_token_13', 'Conv_2']);
assert.deepStrictEqual(onnxNameCandidates('Relu_42_DequantizeLinear/duplicated_token_1'),
                       ['Relu_42_DequantizeLinear/duplicated_token_1', 'Relu_42_DequantizeLinear']);
assert.deepStrictEqual(onnxNameCandidates('Slice_731/GatherSliceToSplitFusion'),
                       ['Slice_731/GatherSliceToSplitFusion', 'Slice_731']);
assert.deepStrictEqual(onnxNameCandidates('/backbone/conv1/Conv'), ['/backbone/conv1/Conv']);  // a plain ONNX name

const join = joinProfiles(ort, ssdx);
const pick = (r) => [r.name, r.ssdx_ms, r.ort_ms, r.ratio, r.ort_nodes];
assert.deepStrictEqual(join.rows.map(pick), [
  ['Conv_1', 2, 4, 0.5, ['Relu_2_nchwc']],  // suffix stripped, then found in fused_from
  ['Add_3', 0.5, 0.25, 2, ['Add_3_token_7']],
  ['Pool_4', 0.25, null, null, []],
  ['Softmax_5', 0.1, 0.2, 0.5, ['Softmax_5']],
]);
assert.deepStrictEqual(join.ort_only, [{name: 'ReorderOutput_token_9', op_type: 'ReorderOutput', ort_ms: 1}]);
assert.deepStrictEqual(join.ssdx_only, ['Pool_4']);

const totals = totalsByOpType(ort, ssdx);
assert.deepStrictEqual(totals.FusedConv, {ssdx: {count: 1, ms: 2}, ort: {count: 0, ms: 0}});
assert.deepStrictEqual(totals.Conv, {ssdx: {count: 0, ms: 0}, ort: {count: 1, ms: 4}});
assert.deepStrictEqual(totals.Add, {ssdx: {count: 1, ms: 0.5}, ort: {count: 1, ms: 0.25}});

// From the command line: --top 1 keeps the node with the largest |ssdx - ORT| (Conv_1: 2 ms); the ORT-only node
// and the CPU name are printed.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers_report_test.'));
fs.writeFileSync(path.join(dir, 'ort.json'), JSON.stringify(ort));
fs.writeFileSync(path.join(dir, 'ssdx.json'), JSON.stringify(ssdx));
const script = path.join(__dirname, '../../bench/layers_report.js');
const table = execFileSync('node', [script, path.join(dir, 'ort.json'), path.join(dir, 'ssdx.json'), '--top', '1',
                                    '--cpu', 'Test CPU'], {encoding: 'utf8'});
fs.rmSync(dir, {recursive: true});
const lines = table.split('\n');
assert.match(lines[0], /CPU Test CPU/);
assert.match(table, /convolutions matched: ssdx 1 of 1, ORT 1 of 1/);
assert.match(table, /ssdx 2\.85 ms, ORT 5\.45 ms \(ratio 0\.52;/);
const header = lines.findIndex((l) => /^ssdx node +op /.test(l));
assert.match(lines[header + 1], /^Conv_1 +FusedConv +2\.000 +4\.000 +0\.50 +onednn:jit +nChw16c$/);
assert.strictEqual(lines[header + 2], '');  // only one row
assert.match(table, /ORT-only nodes \(1[^]*\nReorderOutput_token_9 +ReorderOutput +1\.000\n/);
process.stdout.write('layers_report join: ok\n');
