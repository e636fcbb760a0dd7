#include "int8/register_quant.h"

namespace ssdx {

void register_quant_ops(OpRegistry& r) {
  register_quantize_linear_ops(r);
  register_qlinear_conv_ops(r);
  register_qlinear_binary_ops(r);
  register_qlinear_matmul_ops(r);
  register_qlinear_lookup_ops(r);
  register_qlinear_pool_ops(r);
  register_table_lookup_ops(r);
}

}  // namespace ssdx
