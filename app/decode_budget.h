#pragma once
// A memory ceiling for one image decode. stb_image allocates through budget_malloc/realloc/free (app/image.cpp
// points its STBI_MALLOC macros here); while a DecodeBudget is in scope on a thread, an allocation that would take
// that thread's live decoder memory over the budget fails, which stb reports as a failed decode. This bounds what a
// small hostile file can make the decoder hold (a PNG whose pixel data inflates to gigabytes) by what its declared
// size needs.
#include <cstddef>
#include <cstdint>

namespace ssdx::app {

class DecodeBudget {
 public:
  explicit DecodeBudget(uint64_t bytes);
  ~DecodeBudget();
  DecodeBudget(const DecodeBudget&) = delete;
  DecodeBudget& operator=(const DecodeBudget&) = delete;
  bool exceeded() const;  // an allocation was refused
  uint64_t peak() const;  // the most live bytes held at once so far

 private:
  uint64_t previous_limit_;
};

void* budget_malloc(size_t bytes);
void* budget_realloc(void* p, size_t bytes);
void budget_free(void* p);

}  // namespace ssdx::app
