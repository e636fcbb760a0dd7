// Where the test/bench-only onnxruntime-node lives, shared by run_ort.js and bench/ort_bench.js: the folder holding
// node_modules is $SSDX_ORT_MODULE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/ssdx/ort (install_ort.sh's rule).
'use strict';

const os = require('os');
const path = require('path');

function moduleDir() {
  if (process.env.SSDX_ORT_MODULE_DIR) return process.env.SSDX_ORT_MODULE_DIR;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'ssdx', 'ort');
}

// Loads onnxruntime-node, or calls die(message) when it cannot be loaded.
function loadOrt(die) {
  const dir = moduleDir();
  try {
    return require(require.resolve('onnxruntime-node', {paths: [dir]}));
  } catch (e) {
    die(`cannot load onnxruntime-node from ${dir} (run tests/ort_reference/install_ort.sh): ${e.message}`);
  }
}

module.exports = {moduleDir, loadOrt};
