// The data-movement kernels (tiled transposes, row copies, split memcpys, Concat, Gather) against element-by-element
// index formulas, on random shapes of every element size, including shapes large enough for the parallel paths, and
// the SSD post-processing shapes.
#include <cstring>
#include <limits>
#include <numeric>
#include <random>

#include "ops/op_util.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// A tensor of `dtype` whose element i holds the bytes of i (truncated to the element size), so any misplaced
// element shows.
Tensor numbered(DataType dtype, const Shape& shape) {
  Tensor t(dtype, shape);
  const size_t n = dtype_size(dtype);
  auto* p = static_cast<uint8_t*>(t.raw());
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint64_t v = static_cast<uint64_t>(i) * 2654435761u + 1;
    std::memcpy(p + static_cast<size_t>(i) * n, &v, n);
  }
  return t;
}

// out[idx] = x[offset + sum idx[d] * strides[d]], one element at a time.
Tensor naive_view(const Tensor& x, int64_t offset, const std::vector<int64_t>& strides, const Shape& out_shape) {
  Tensor y(x.dtype(), out_shape);
  const size_t n = dtype_size(x.dtype());
  std::vector<int64_t> idx(out_shape.size(), 0);
  for (int64_t i = 0; i < y.numel(); ++i) {
    int64_t rem = i, off = offset;
    for (size_t d = out_shape.size(); d-- > 0;) {
      off += rem % out_shape[d] * strides[d];
      rem /= out_shape[d];
    }
    std::memcpy(static_cast<uint8_t*>(y.raw()) + static_cast<size_t>(i) * n,
                static_cast<const uint8_t*>(x.raw()) + static_cast<size_t>(off) * n, n);
  }
  return y;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && (a.nbytes() == 0 || std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
}

Attributes perm_attr(const std::vector<int64_t>& perm) {
  Attributes a;
  a.set_ints("perm", perm);
  return a;
}

const DataType kDtypes[] = {DataType::UInt8, DataType::Int16, DataType::Float, DataType::Int64};

Shape random_shape(std::mt19937& rng, size_t rank, int64_t max_numel) {
  Shape s(rank);
  int64_t numel = 1;
  for (int64_t& d : s) {
    const int64_t cap = std::max<int64_t>(1, max_numel / numel);
    d = std::min<int64_t>(cap, rng() % 4 == 0 ? 1 : 1 + static_cast<int64_t>(rng() % 40));
    numel *= d;
  }
  return s;
}

Tensor transpose_reference(const Tensor& x, const std::vector<int64_t>& perm) {
  const std::vector<int64_t> in_strides = shape_strides(x.shape());
  Shape out;
  std::vector<int64_t> strides;
  for (int64_t p : perm) {
    out.push_back(x.dim(p));
    strides.push_back(in_strides[static_cast<size_t>(p)]);
  }
  return naive_view(x, 0, strides, out);
}

TEST(LayoutFast, RandomTransposes) {
  std::mt19937 rng(5);
  for (int iter = 0; iter < 400; ++iter) {
    const size_t rank = 1 + rng() % 5;
    const DataType dt = kDtypes[rng() % 4];
    const Tensor x = numbered(dt, random_shape(rng, rank, iter % 4 == 0 ? 300000 : 5000));
    std::vector<int64_t> perm(rank);
    std::iota(perm.begin(), perm.end(), int64_t{0});
    std::shuffle(perm.begin(), perm.end(), rng);
    const Tensor y = run_op("Transpose", 13, perm_attr(perm), {&x})[0];
    ASSERT_TRUE(same_bytes(transpose_reference(x, perm), y)) << "case " << iter << " " << shape_str(x.shape());
  }
}

TEST(LayoutFast, SsdTransposesAndSlices) {
  // The post-processing chain: [1,81,N] <-> [1,N,81] around Softmax, the [1,N,4] box transpose, then [:, 1:, :].
  const Tensor scores = numbered(DataType::Float, {1, 81, 15130});
  const Tensor t = run_op("Transpose", 13, perm_attr({0, 2, 1}), {&scores})[0];
  ASSERT_TRUE(same_bytes(transpose_reference(scores, {0, 2, 1}), t));
  const Tensor back = run_op("Transpose", 13, perm_attr({0, 2, 1}), {&t})[0];
  ASSERT_TRUE(same_bytes(scores, back));
  const Tensor loc = numbered(DataType::Float, {1, 4, 15130});
  const Tensor loc_t = run_op("Transpose", 13, perm_attr({0, 2, 1}), {&loc})[0];
  ASSERT_TRUE(same_bytes(transpose_reference(loc, {0, 2, 1}), loc_t));

  auto ints = [](std::vector<int64_t> v) { return make_tensor<int64_t>({static_cast<int64_t>(v.size())}, v); };
  const Tensor starts = ints({1}), ends = ints({std::numeric_limits<int64_t>::max()}), axes = ints({1});
  const Tensor sliced = run_op("Slice", 13, {}, {&back, &starts, &ends, &axes})[0];
  ASSERT_TRUE(same_bytes(naive_view(back, 15130, shape_strides(back.shape()), {1, 80, 15130}), sliced));
  // Keeping everything: one long row, copied in parallel pieces.
  const Tensor all_starts = ints({0}), all_axes = ints({0});
  ASSERT_TRUE(same_bytes(back, run_op("Slice", 13, {}, {&back, &all_starts, &ends, &all_axes})[0]));
  // [1,N,4] -> [:, :, 2:4]: rows of two elements.
  const Tensor boxes = numbered(DataType::Float, {1, 15130, 4});
  const Tensor two = ints({2}), four = ints({4}), last = ints({2});
  ASSERT_TRUE(same_bytes(naive_view(boxes, 2, {60520, 4, 1}, {1, 15130, 2}),
                         run_op("Slice", 13, {}, {&boxes, &two, &four, &last})[0]));
}

TEST(LayoutFast, RandomSlices) {
  std::mt19937 rng(11);
  for (int iter = 0; iter < 400; ++iter) {
    const size_t rank = 1 + rng() % 4;
    const DataType dt = kDtypes[rng() % 4];
    const Tensor x = numbered(dt, random_shape(rng, rank, iter % 4 == 0 ? 300000 : 5000));
    std::vector<int64_t> starts, ends, axes, steps;
    int64_t offset = 0;
    Shape out = x.shape();
    std::vector<int64_t> strides = shape_strides(x.shape());
    for (size_t d = 0; d < rank; ++d) {
      if (rng() % 2) continue;
      const int64_t dim = x.dim(static_cast<int64_t>(d));
      const int64_t step = (rng() % 3 == 0 ? -1 : 1) * (1 + static_cast<int64_t>(rng() % 3));
      const int64_t a = static_cast<int64_t>(rng() % static_cast<uint64_t>(dim));
      const int64_t b = static_cast<int64_t>(rng() % static_cast<uint64_t>(dim));
      const int64_t lo = std::min(a, b), hi = std::max(a, b);
      // In range and non-empty: [lo, hi] walked up, or down from hi to lo.
      const int64_t start = step > 0 ? lo : hi, end = step > 0 ? hi + 1 : lo - 1;
      starts.push_back(start), ends.push_back(end == -1 ? std::numeric_limits<int64_t>::min() : end);
      axes.push_back(static_cast<int64_t>(d)), steps.push_back(step);
      out[d] = (hi - lo) / std::abs(step) + 1;
      offset += start * strides[d];
      strides[d] *= step;
    }
    auto t = [](const std::vector<int64_t>& v) { return make_tensor<int64_t>({static_cast<int64_t>(v.size())}, v); };
    const Tensor ts = t(starts), te = t(ends), ta = t(axes), tp = t(steps);
    const Tensor y = run_op("Slice", 13, {}, {&x, &ts, &te, &ta, &tp})[0];
    ASSERT_TRUE(same_bytes(naive_view(x, offset, strides, out), y)) << "case " << iter << " " << shape_str(x.shape());
  }
}

TEST(LayoutFast, RandomConcats) {
  std::mt19937 rng(17);
  for (int iter = 0; iter < 200; ++iter) {
    const size_t rank = 1 + rng() % 4;
    const DataType dt = kDtypes[rng() % 4];
    const Shape base = random_shape(rng, rank, iter % 4 == 0 ? 100000 : 3000);
    const int64_t axis = static_cast<int64_t>(rng() % rank);
    std::vector<Tensor> parts;
    for (size_t k = 0, n = 1 + rng() % 5; k < n; ++k) {
      Shape s = base;
      s[static_cast<size_t>(axis)] = static_cast<int64_t>(rng() % 4);  // 0 to 3: empty parts and single elements
      parts.push_back(numbered(dt, s));
    }
    std::vector<const Tensor*> in;
    for (const Tensor& p : parts) in.push_back(&p);
    Attributes a;
    a.set_int("axis", axis);
    const Tensor y = run_op("Concat", 13, a, in)[0];
    // Reference: for each outer index, the parts' blocks in turn.
    const int64_t outer = std::accumulate(base.begin(), base.begin() + axis, int64_t{1}, std::multiplies<>());
    std::vector<uint8_t> expect;
    for (int64_t o = 0; o < outer; ++o)
      for (const Tensor& p : parts) {
        const size_t block = p.nbytes() / static_cast<size_t>(std::max<int64_t>(outer, 1));
        const auto* src = static_cast<const uint8_t*>(p.raw()) + static_cast<size_t>(o) * block;
        expect.insert(expect.end(), src, src + block);
      }
    ASSERT_EQ(expect.size(), y.nbytes()) << "case " << iter;
    if (!expect.empty()) {  // memcmp's pointers must not be null, even for 0 bytes
      ASSERT_EQ(std::memcmp(expect.data(), y.raw(), expect.size()), 0) << "case " << iter << " " << shape_str(base);
    }
  }
}

TEST(LayoutFast, RandomGathers) {
  std::mt19937 rng(23);
  for (int iter = 0; iter < 300; ++iter) {
    const size_t rank = 1 + rng() % 3;
    const DataType dt = kDtypes[rng() % 4];
    const Tensor x = numbered(dt, random_shape(rng, rank, iter % 4 == 0 ? 200000 : 3000));
    const int64_t axis = static_cast<int64_t>(rng() % rank), dim = x.dim(axis);
    // Up to ~9000 indices (several 1024-pair chunks, not a multiple of them), negative ones too.
    std::vector<int64_t> idx(static_cast<size_t>(rng() % (iter % 4 == 0 ? 9000 : 50)));
    for (int64_t& i : idx) i = static_cast<int64_t>(rng() % static_cast<uint64_t>(dim)) - (rng() % 2 ? dim : 0);
    const Tensor ti = make_tensor<int64_t>({static_cast<int64_t>(idx.size())}, idx);
    Attributes a;
    a.set_int("axis", axis);
    const Tensor y = run_op("Gather", 13, a, {&x, &ti})[0];
    const AxisSplit s = split_at_axis(x.shape(), axis);
    const size_t block = static_cast<size_t>(s.inner) * dtype_size(dt);
    std::vector<uint8_t> expect;
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t i : idx) {
        const int64_t row = o * s.dim + (i < 0 ? i + dim : i);
        const auto* src = static_cast<const uint8_t*>(x.raw()) + static_cast<size_t>(row) * block;
        expect.insert(expect.end(), src, src + block);
      }
    ASSERT_EQ(expect.size(), y.nbytes()) << "case " << iter;
    if (!expect.empty()) {
      ASSERT_EQ(std::memcmp(expect.data(), y.raw(), expect.size()), 0) << "case " << iter << " " << shape_str(x.shape());
    }
  }
}

TEST(LayoutFast, LargeReshapeCopiesInPieces) {
  const Tensor x = numbered(DataType::Float, {1, 80, 15130});
  const Tensor shape = make_tensor<int64_t>({1}, {-1});
  const Tensor y = run_op("Reshape", 13, {}, {&x, &shape})[0];
  EXPECT_EQ(y.shape(), (Shape{80 * 15130}));
  EXPECT_EQ(std::memcmp(x.raw(), y.raw(), x.nbytes()), 0);
}

}  // namespace
}  // namespace ssdx::test
