#include "clv/identity/big_array.hpp"

#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace clv::identity {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;

bool is_big(size_t bytes) {
  return bytes >= kHugePage;
}
size_t round_up_to_huge_pages(size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}
}  // namespace

void* allocate_big_block(size_t bytes) {
  if (!is_big(bytes)) return ::operator new(bytes);
  if (bytes > std::numeric_limits<size_t>::max() - kHugePage) throw std::bad_alloc();
  const size_t rounded = round_up_to_huge_pages(bytes);
  void* pointer = std::aligned_alloc(kHugePage, rounded);
  if (pointer == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Only a hint: without transparent huge pages (or with them disabled) the
  // block is ordinary memory.
  madvise(pointer, rounded, MADV_HUGEPAGE);
#endif
  return pointer;
}

void release_big_block(void* pointer, size_t bytes) noexcept {
  if (pointer == nullptr) return;
  if (is_big(bytes)) {
    std::free(pointer);
  } else {
    ::operator delete(pointer);
  }
}

}  // namespace clv::identity
