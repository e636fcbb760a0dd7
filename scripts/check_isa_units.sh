#!/usr/bin/env bash
# Checks that the per-ISA translation units (*_avx2.cpp, *_avx512.cpp, *_vbmi.cpp) of the given static libraries
# export nothing but their own entry points, in namespace ssdx::<isa>. Any other external symbol (an inline function
# or template the compiler did not inline) is compiled for that ISA yet shared with the baseline code by the linker,
# which may keep that copy: an illegal instruction on a CPU without the ISA.
set -euo pipefail
status=0
for lib in "$@"; do
  while IFS= read -r line; do
    member=${line#*:}; member=${member%%:*}
    isa=$(sed -E 's/.*_(avx2|avx512|vbmi)\.cpp\.o$/\1/' <<<"$member")
    symbol=$(awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' <<<"${line##*.o:}")
    if [[ $symbol != "ssdx::$isa::"* ]]; then
      echo "$lib: $member exports $symbol (not an ssdx::$isa:: entry point)"
      status=1
    fi
  done < <(nm -A -C --defined-only "$lib" | grep -E '_(avx2|avx512|vbmi)\.cpp\.o:' | awk '$2 ~ /^[A-Z]$/ || $2 == "u"')
done
exit $status
