// Memory for the large arrays of identity resolution (an entry or more per
// identifier, millions of entries): blocks of at least 2 MB are aligned to
// 2 MB and, on Linux, marked for transparent huge pages before anything is
// written to them. Fresh memory costs a page fault at the first write of
// every 4 KB page; resolving 800,000 identifiers spent about a fifth of its
// time in those faults (perf, in a virtual machine where faults are dear),
// and one 2 MB page replaces 512 of them. Smaller blocks come from operator
// new as usual.
#pragma once

#include <cstddef>
#include <limits>
#include <new>
#include <vector>

namespace clv::identity {

// Throws std::bad_alloc. Free with release_big_block(pointer, the same bytes).
void* allocate_big_block(size_t bytes);
void release_big_block(void* pointer, size_t bytes) noexcept;

template <class T>
struct BigArrayAllocator {
  using value_type = T;
  BigArrayAllocator() = default;
  template <class U>
  BigArrayAllocator(const BigArrayAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(allocate_big_block(n * sizeof(T)));
  }
  void deallocate(T* pointer, size_t n) noexcept { release_big_block(pointer, n * sizeof(T)); }

  template <class U>
  bool operator==(const BigArrayAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const BigArrayAllocator<U>&) const noexcept {
    return false;
  }
};

template <class T>
using BigVector = std::vector<T, BigArrayAllocator<T>>;

}  // namespace clv::identity
