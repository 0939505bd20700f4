// Interns identifiers (arbitrary byte strings) into dense uint32 ids.
//
// The bytes live once in an arena of large blocks, each prefixed by its length
// as a varint; per identifier the interner keeps one pointer and one 8-byte
// hash-table slot (at most 75% load), so memory is about the identifier bytes
// plus 3-4 words. Pointers into the arena stay valid when the interner moves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "clv/common/errors.hpp"
#include "clv/identity/big_array.hpp"

namespace clv::identity {

class Interner {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  Interner() = default;
  Interner(Interner&&) noexcept = default;
  Interner& operator=(Interner&&) noexcept = default;
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  // The id of the identifier, adding it if new; ids are 0, 1, 2... in order of
  // first appearance. Throws std::overflow_error past 2^32 - 1 identifiers.
  uint32_t intern(std::string_view identifier);
  // Like intern(), and tells whether the identifier was new.
  uint32_t intern(std::string_view identifier, bool& added);
  // intern() of identifiers[0..count) in order, ids written to ids[]. The
  // same result, but the hash slots and stored bytes the batch needs are
  // requested from memory together instead of one cache miss after another
  // (on graphs of millions of identifiers nearly every lookup misses).
  void intern_many(const std::string_view* identifiers, size_t count, uint32_t* ids);
  uint32_t find(std::string_view identifier) const;

  std::string_view view(uint32_t id) const;
  // Where an identifier's bytes are stored (valid while the interner lives,
  // also after it moves), for callers that read many of them later in another
  // order: view_at(entry(id)) == view(id) without the lookup of the id.
  const char* entry(uint32_t id) const { return starts_[id]; }
  // Asks the memory for entry(id) ahead of a walk in another order than ids.
  void prefetch_entry(uint32_t id) const { __builtin_prefetch(&starts_[id]); }
  static std::string_view view_at(const char* entry);
  size_t size() const { return starts_.size(); }
  // Heap bytes held: arena blocks, the pointer table and the hash table.
  size_t bytes_used() const;
  size_t table_bytes() const { return slots_.capacity() * sizeof(uint64_t); }
  void reserve(size_t identifiers);
  // Frees the hash table of an interner that is only read from now on
  // (views, entries, byte order): intern() and find() then throw
  // std::logic_error.
  void release_table();

  // All ids sorted by their bytes (memcmp order, a prefix before its
  // extensions). Polls for cancellation while sorting.
  BigVector<uint32_t> ids_in_byte_order(const InterruptPoll& poll = {}) const;
  // Heap bytes ids_in_byte_order() takes per identifier at its peak: two
  // 24-byte sort entries (keys and their scratch copy) and the result.
  static constexpr size_t kSortBytesPerIdentifier = 2 * 24 + sizeof(uint32_t);

 private:
  uint32_t intern_hashed(std::string_view identifier, uint64_t hash, bool& added);
  const char* store(std::string_view identifier);
  void grow_table(size_t min_capacity);
  // Probing starts from the hash's high half, the part a slot keeps, so the
  // table grows without rehashing any identifier.
  static size_t probe_start(uint64_t hash, size_t mask) {
    return static_cast<size_t>(hash >> 32) & mask;
  }

  struct BlockRelease {
    size_t bytes;
    void operator()(char* data) const noexcept { release_big_block(data, bytes); }
  };
  struct Block {
    std::unique_ptr<char[], BlockRelease> data;
    size_t capacity = 0;
    size_t used = 0;
  };
  std::vector<Block> blocks_;
  size_t arena_bytes_ = 0;
  BigVector<const char*> starts_;  // per id: its length varint in the arena
  // Open addressing, linear probing. A slot holds id + 1 (0 = empty) in the low
  // half and the high half of the hash, which rules out most mismatches
  // without touching the arena. Capacity is a power of two up to 2^32.
  BigVector<uint64_t> slots_;
  bool table_released_ = false;
};

}  // namespace clv::identity
