# Compile flags of the kernel libraries (ops/, int8/), the same for GCC and Clang.
#
# The libraries are built for x86-64-v2, so they run on any x86-64 server. The SIMD variants that ship live in
# per-ISA translation units named <family>_avx2.cpp, <family>_avx512.cpp and <family>_vbmi.cpp, which get their
# ISA's flags on top; the kernel chooses among them at creation (ops/cpu_isa.h). No FMA contraction anywhere:
# kernels that reproduce onnxruntime bit for bit rely on every rounding step (an FMA they need is an intrinsic or
# std::fma).
set(SSDX_AVX2_FLAGS -mavx2 -mfma)
set(SSDX_AVX512_FLAGS -mavx512f -mavx2 -mfma -mprefer-vector-width=512)
set(SSDX_VBMI_FLAGS -mavx512f -mavx512bw -mavx512vbmi -mavx2 -mfma)

# Call from the directory that defines `target` (source file properties are per directory).
function(ssdx_kernel_flags target)
  target_compile_options(${target} PRIVATE -march=x86-64-v2 -ffp-contract=off)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(${target} PRIVATE -mtune=native)
  endif()
  get_target_property(sources ${target} SOURCES)
  foreach(src IN LISTS sources)
    if(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${SSDX_AVX2_FLAGS}")
    elseif(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${SSDX_AVX512_FLAGS}")
    elseif(src MATCHES "_vbmi\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${SSDX_VBMI_FLAGS}")
    endif()
  endforeach()
endfunction()
