// One loaded model, several threads running it at once: each result is bit-identical to the serial run of the
// same input, and repeated runs are deterministic (the arena pool gives each concurrent run its own memory).
#include "tests/concurrency.h"
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

TEST(Concurrency, ParallelRunsMatchSerialRunsBitForBit) {
  const models::SsdModelOptions o{480, 12, 3, false, false};
  const std::string path = ssd_model_path(o);
  Session session(load_onnx(path), SessionOptions{1});
  std::remove(path.c_str());
  const auto inputs = ssd_parity_inputs(o.size);
  std::vector<TensorMap> serial;
  for (const auto& [name, image] : inputs) serial.push_back(session.run({{"image", image}}));
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(bit_identical(serial[i], session.run({{"image", inputs[i].second}}))) << "rerun of " << inputs[i].first;

  std::vector<TensorMap> feeds;
  for (const auto& [name, image] : inputs) feeds.push_back({{"image", image}});
  expect_concurrent_runs_match(session, feeds, serial, /*threads=*/3, /*rounds=*/2);
}

}  // namespace
}  // namespace ssdx::test
