#pragma once
// The kernel plans of a step whose input shapes are known only at run time, by input dtypes, shapes and layouts.
// Only the lookup and the insert hold the lock: a run prepares a missing plan on its own thread, and a plan, once
// made, is shared read-only by every run with those shapes. The oldest of kMaxPlans goes first; a run still
// holding it keeps its reference.
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "ops/op.h"

namespace ssdx {

class PlanCache {
 public:
  std::shared_ptr<const KernelPlan> get(const Kernel& kernel, const std::vector<ValueInfo>& inputs) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const Entry& e : entries_)
        if (same_key(e.key, inputs)) return e.plan;
    }
    std::shared_ptr<const KernelPlan> plan = kernel.prepare(inputs);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_)
      if (same_key(e.key, inputs)) return e.plan;  // another run prepared the same shapes meanwhile
    if (entries_.size() >= kMaxPlans) entries_.pop_front();
    entries_.push_back({inputs, plan});
    return plan;
  }

 private:
  static constexpr size_t kMaxPlans = 8;  // input shapes a step keeps plans for (a video's few resolutions)
  struct Entry {
    std::vector<ValueInfo> key;
    std::shared_ptr<const KernelPlan> plan;
  };
  static bool same_key(const std::vector<ValueInfo>& a, const std::vector<ValueInfo>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].dtype != b[i].dtype || a[i].shape_known != b[i].shape_known || a[i].shape != b[i].shape ||
          !same_layout(a[i].layout, b[i].layout))
        return false;
    return true;
  }
  std::mutex mutex_;
  std::deque<Entry> entries_;
};

}  // namespace ssdx
