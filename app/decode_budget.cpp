#include "app/decode_budget.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace ssdx::app {
namespace {

struct Account {
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  uint64_t live = 0, peak = 0;
  bool exceeded = false;
};
thread_local Account account;

// Each block starts with its size, padded to malloc's alignment so that the caller's part keeps it.
constexpr size_t kPrefix = alignof(std::max_align_t);

bool admit(uint64_t grow) {
  if (grow > account.limit || account.live > account.limit - grow) {
    account.exceeded = true;
    return false;
  }
  account.live += grow;
  if (account.live > account.peak) account.peak = account.live;
  return true;
}

size_t size_of(void* p) {
  size_t bytes;
  std::memcpy(&bytes, static_cast<char*>(p) - kPrefix, sizeof bytes);
  return bytes;
}

void* finish(void* block, size_t bytes) {
  std::memcpy(block, &bytes, sizeof bytes);
  return static_cast<char*>(block) + kPrefix;
}

}  // namespace

DecodeBudget::DecodeBudget(uint64_t bytes) : previous_limit_(account.limit) { account = Account{bytes}; }

DecodeBudget::~DecodeBudget() { account.limit = previous_limit_; }

bool DecodeBudget::exceeded() const { return account.exceeded; }

uint64_t DecodeBudget::peak() const { return account.peak; }

void* budget_malloc(size_t bytes) {
  if (bytes > std::numeric_limits<size_t>::max() - kPrefix || !admit(bytes)) return nullptr;
  void* block = std::malloc(bytes + kPrefix);
  if (!block) {
    account.live -= bytes;
    return nullptr;
  }
  return finish(block, bytes);
}

void* budget_realloc(void* p, size_t bytes) {
  if (!p) return budget_malloc(bytes);
  const size_t old = size_of(p);
  if (bytes > std::numeric_limits<size_t>::max() - kPrefix || (bytes > old && !admit(bytes - old))) return nullptr;
  void* block = std::realloc(static_cast<char*>(p) - kPrefix, bytes + kPrefix);
  if (!block) {
    if (bytes > old) account.live -= bytes - old;
    return nullptr;  // the old block stays valid, as realloc promises
  }
  if (bytes < old) account.live -= std::min<uint64_t>(account.live, old - bytes);
  return finish(block, bytes);
}

void budget_free(void* p) {
  if (!p) return;
  account.live -= std::min<uint64_t>(account.live, size_of(p));
  std::free(static_cast<char*>(p) - kPrefix);
}

}  // namespace ssdx::app
