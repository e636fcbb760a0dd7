#!/usr/bin/env node
// The join behind bench/layers_vs_ort.sh: ssdx's and onnxruntime's per-node times on one model, layer by layer.
//
//   node layers_report.js ORT_PROFILE.json SSDX.json [--top N] [--cpu NAME] [--json]
//       ORT_PROFILE.json is `bench/ort_bench.js --profile`'s, SSDX.json `ssdx bench --json`'s. Each ORT node goes to
//       the ssdx node that computes the ONNX node it is named after (fused_from, or its name); the table lists the
//       ssdx nodes in execution order (--top N: the N with the largest absolute difference), then the ORT nodes
//       with no ssdx counterpart, then the totals per op type of both engines. --json prints the join instead.
'use strict';

const fs = require('fs');

// onnxruntime renames the nodes its optimizers rewrite by appending to the ONNX name: `_nchwc` (NCHWc layout),
// `_token_N` (a rewritten node), `/duplicated_token_N` (a duplicated DequantizeLinear), `/SomethingFusion` (a
// fusion). The candidates to look up, the name as it is first, then with each suffix stripped in turn.
const ORT_SUFFIX = /(_nchwc|_token_\d+|\/duplicated_token_\d+|\/[A-Za-z]+Fusion)$/;
function onnxNameCandidates(ortName) {
  const names = [ortName];
  for (let n = ortName; ORT_SUFFIX.test(n);) names.push((n = n.replace(ORT_SUFFIX, '')));
  return names;
}

// The rows of the side-by-side: one per ssdx node (execution order) with the ORT nodes matched to it, and the
// ORT nodes matched to none.
function joinProfiles(ort, ssdx) {
  const rows = ssdx.profile.map((n) => ({name: n.name, op_type: n.op_type, ssdx_ms: n.ms, ort_ms: null, impl: n.impl,
                                         layout: n.layout, ort_nodes: []}));
  // ONNX node name -> row: the ssdx node of that name first, else the first whose fused_from holds it (a node both
  // engines duplicated, such as a DequantizeLinear feeding two consumers, is in several fused_from lists).
  const rowOf = new Map(ssdx.profile.map((n, i) => [n.name, rows[i]]));
  ssdx.profile.forEach((n, i) => {
    for (const onnx of n.fused_from || []) if (!rowOf.has(onnx)) rowOf.set(onnx, rows[i]);
  });
  const ortOnly = [];
  for (const node of ort.nodes) {
    const row = onnxNameCandidates(node.name).map((c) => rowOf.get(c)).find((r) => r);
    if (!row) {
      ortOnly.push({name: node.name, op_type: node.op_type, ort_ms: node.ms});
      continue;
    }
    row.ort_ms = (row.ort_ms || 0) + node.ms;
    row.ort_nodes.push(node.name);
  }
  for (const r of rows) r.ratio = r.ort_ms ? r.ssdx_ms / r.ort_ms : null;
  return {rows, ort_only: ortOnly, ssdx_only: rows.filter((r) => r.ort_ms === null).map((r) => r.name)};
}

// Count and ms per op type of each engine, by the op types each reports.
function totalsByOpType(ort, ssdx) {
  const totals = {};
  const add = (engine, type, ms) => {
    const t = (totals[type] = totals[type] || {ssdx: {count: 0, ms: 0}, ort: {count: 0, ms: 0}});
    t[engine].count += 1;
    t[engine].ms += ms;
  };
  for (const n of ssdx.profile) add('ssdx', n.op_type, n.ms);
  for (const n of ort.nodes) add('ort', n.op_type, n.ms);
  return totals;
}

const isConv = (type) => type.includes('Conv');
const ms = (v) => (v === null ? '-' : v.toFixed(3));
const cell = (s, w) => (s.length > w ? s.slice(0, w - 1) + '~' : s.padEnd(w));

function printTable(ort, ssdx, join, totals, opts) {
  const convRows = join.rows.filter((r) => isConv(r.op_type));
  const convOrt = ort.nodes.filter((n) => isConv(n.op_type));
  const matchedConvOrt = convOrt.filter((n) => !join.ort_only.some((o) => o.name === n.name));
  const sum = (xs, key) => xs.reduce((a, x) => a + (x[key] || 0), 0);
  const out = [];
  out.push(`${ssdx.model}: ${ssdx.threads} threads, ${ssdx.runs} timed runs, same input; CPU ${opts.cpu || '?'}; ` +
           `ORT is ${ort.engine}`);
  out.push(`ssdx nodes ${join.rows.length} (${join.ssdx_only.length} with no ORT counterpart), ORT nodes ` +
           `${ort.nodes.length} (${join.ort_only.length} ORT-only); convolutions matched: ssdx ` +
           `${convRows.filter((r) => r.ort_ms !== null).length} of ${convRows.length}, ORT ` +
           `${matchedConvOrt.length} of ${convOrt.length}`);
  const ssdxMs = sum(ssdx.profile, 'ms'), ortMs = sum(ort.nodes, 'ms');
  out.push(`node times summed: ssdx ${ssdxMs.toFixed(2)} ms, ORT ${ortMs.toFixed(2)} ms ` +
           `(ratio ${(ssdxMs / ortMs).toFixed(2)}; every ratio is ssdx/ORT, lower is better)`);
  let rows = join.rows;
  if (opts.top > 0) {
    const diff = (r) => Math.abs(r.ssdx_ms - (r.ort_ms || 0));
    rows = [...rows].sort((a, b) => diff(b) - diff(a)).slice(0, opts.top);
    out.push(`\n${rows.length} of ${join.rows.length} ssdx nodes with the largest |ssdx - ORT|:`);
  } else out.push('\nssdx nodes in execution order:');
  out.push(`${cell('ssdx node', 32)} ${cell('op', 18)} ${'ssdx ms'.padStart(9)} ${'ORT ms'.padStart(9)} ` +
           `${'ratio'.padStart(6)}  ${cell('ssdx impl', 34)} layout`);
  for (const r of rows)
    out.push(`${cell(r.name, 32)} ${cell(r.op_type, 18)} ${ms(r.ssdx_ms).padStart(9)} ${ms(r.ort_ms).padStart(9)} ` +
             `${(r.ratio === null ? '-' : r.ratio.toFixed(2)).padStart(6)}  ${cell(r.impl, 34)} ${r.layout}`);
  if (join.ort_only.length) {
    out.push(`\nORT-only nodes (${join.ort_only.length}: layout changes ORT inserts, nodes under names not in the model):`);
    for (const n of [...join.ort_only].sort((a, b) => b.ort_ms - a.ort_ms))
      out.push(`${cell(n.name, 51)} ${cell(n.op_type, 18)} ${ms(n.ort_ms).padStart(9)}`);
  }
  out.push(`\nper op type (each engine's own op types):\n${cell('op type', 24)} ${'ssdx n'.padStart(6)} ` +
           `${'ssdx ms'.padStart(9)} ${'ORT n'.padStart(6)} ${'ORT ms'.padStart(9)}`);
  for (const [type, t] of Object.entries(totals).sort((a, b) => b[1].ssdx.ms + b[1].ort.ms - a[1].ssdx.ms - a[1].ort.ms))
    out.push(`${cell(type, 24)} ${String(t.ssdx.count).padStart(6)} ${ms(t.ssdx.count ? t.ssdx.ms : null).padStart(9)} ` +
             `${String(t.ort.count).padStart(6)} ${ms(t.ort.count ? t.ort.ms : null).padStart(9)}`);
  process.stdout.write(out.join('\n') + '\n');
}

function main(argv) {
  const opts = {top: 0, cpu: '', json: false, files: []};
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--json') opts.json = true;
    else if (argv[i] === '--top' || argv[i] === '--cpu') {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      opts[argv[i].slice(2)] = argv[i] === '--top' ? Number(argv[++i]) : argv[++i];
    } else if (argv[i].startsWith('--')) throw new Error(`unknown option '${argv[i]}'`);
    else opts.files.push(argv[i]);
  }
  if (opts.files.length !== 2 || !(Number.isInteger(opts.top) && opts.top >= 0))
    throw new Error('usage: node layers_report.js ORT_PROFILE.json SSDX.json [--top N] [--cpu NAME] [--json]');
  const [ort, ssdx] = opts.files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const join = joinProfiles(ort, ssdx);
  const totals = totalsByOpType(ort, ssdx);
  if (opts.json) process.stdout.write(JSON.stringify({model: ssdx.model, cpu: opts.cpu, ...join, op_types: totals}) + '\n');
  else printTable(ort, ssdx, join, totals, opts);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`layers_report: ${e.message}\n`);
    process.exit(1);
  }
}
module.exports = {onnxNameCandidates, joinProfiles, totalsByOpType};
