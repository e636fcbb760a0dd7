#pragma once
// libgomp ends the process with its own two-line message when it cannot start a thread (a limited address space has
// no room for the stack). start_threads() starts them first where that can be an Error.

namespace ssdx {

// Starts `threads` - 1 threads like libgomp's (default attributes, so the same stacks) and joins them, failing with
// an Error naming the count if one cannot start; then has libgomp start its own, which it keeps for the calling
// thread's later parallel regions of as many threads. Does the work once per calling thread and larger count.
void start_threads(int threads);

}  // namespace ssdx
