# Sourced by bench/ort_vs_ssdx.sh and bench/layers_vs_ort.sh (needs their ROOT and die): what both do before and
# between the two engines' runs.

# Checks the model and the ssdx binary, and installs onnxruntime-node when it cannot run.
check_side_by_side() {  # MODEL SSDX
  [ -n "$1" ] || usage
  [ -f "$1" ] || die "$1: no such file"
  [ -x "$2" ] || die "$2: no ssdx binary (build it, or pass --ssdx PATH)"
  if ! node "$ROOT/tests/ort_reference/run_ort.js" --check >/dev/null 2>&1; then
    bash "$ROOT/tests/ort_reference/install_ort.sh" >/dev/null || die "cannot install onnxruntime-node"
  fi
}

# INPUTS: `ssdx bench --input NAME=FILE` arguments for the inputs ort_bench.js --save-inputs wrote to DIR.
read_saved_inputs() {  # DIR
  INPUTS=()
  while IFS= read -r spec; do INPUTS+=(--input "$spec"); done <"$1/inputs.txt"
}
