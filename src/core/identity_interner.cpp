#include "clv/identity/interner.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "clv/identity/hash.hpp"

namespace clv::identity {
namespace {

constexpr size_t kFirstBlockBytes = 4096;
constexpr size_t kMaxBlockBytes = size_t{1} << 20;
constexpr size_t kMinTableSlots = 16;

size_t varint_size(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* put_varint(char* out, size_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

std::string_view read_entry(const char* p) {
  size_t length = 0;
  int shift = 0;
  unsigned char byte;
  do {
    byte = static_cast<unsigned char>(*p++);
    length |= static_cast<size_t>(byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return {p, length};
}

uint64_t slot_of(uint32_t id, uint64_t hash) {
  return (hash & 0xffffffff00000000ULL) | (id + 1ULL);
}
uint32_t slot_id(uint64_t slot) {
  return static_cast<uint32_t>(slot) - 1;
}
bool slot_hash_matches(uint64_t slot, uint64_t hash) {
  return (slot ^ hash) >> 32 == 0;
}

}  // namespace

std::string_view Interner::view(uint32_t id) const {
  return read_entry(starts_[id]);
}

uint32_t Interner::find(std::string_view identifier) const {
  if (slots_.empty()) return kNotFound;
  const uint64_t hash = xxh64(identifier);
  const size_t mask = slots_.size() - 1;
  for (size_t i = probe_start(hash, mask);; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return kNotFound;
    if (slot_hash_matches(slot, hash) && view(slot_id(slot)) == identifier) return slot_id(slot);
  }
}

uint32_t Interner::intern(std::string_view identifier) {
  bool added;
  return intern(identifier, added);
}

uint32_t Interner::intern(std::string_view identifier, bool& added) {
  // Keep the load at most 3/4 so linear probes stay short.
  if ((starts_.size() + 1) * 4 > slots_.size() * 3) grow_table((starts_.size() + 1) * 2);
  const uint64_t hash = xxh64(identifier);
  const size_t mask = slots_.size() - 1;
  size_t i = probe_start(hash, mask);
  for (;; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) break;
    if (slot_hash_matches(slot, hash) && view(slot_id(slot)) == identifier) {
      added = false;
      return slot_id(slot);
    }
  }
  if (starts_.size() >= kNotFound) throw std::overflow_error("more than 2^32 - 1 identifiers");
  const auto id = static_cast<uint32_t>(starts_.size());
  starts_.push_back(store(identifier));
  slots_[i] = slot_of(id, hash);
  added = true;
  return id;
}

const char* Interner::store(std::string_view identifier) {
  const size_t need = varint_size(identifier.size()) + identifier.size();
  if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < need) {
    // Blocks double up to 1 MiB so small interners stay small; an identifier
    // larger than that gets a block of its own.
    const size_t next =
        blocks_.empty() ? kFirstBlockBytes : std::min(blocks_.back().capacity * 2, kMaxBlockBytes);
    const size_t capacity = std::max(next, need);
    blocks_.push_back(Block{std::make_unique<char[]>(capacity), capacity, 0});
    arena_bytes_ += capacity;
  }
  Block& block = blocks_.back();
  char* entry = block.data.get() + block.used;
  char* bytes = put_varint(entry, identifier.size());
  if (!identifier.empty()) std::memcpy(bytes, identifier.data(), identifier.size());
  block.used += need;
  return entry;
}

void Interner::grow_table(size_t min_capacity) {
  size_t capacity = std::max(slots_.size(), kMinTableSlots);
  while (capacity < min_capacity) capacity *= 2;
  if (capacity == slots_.size()) return;
  if (capacity > (size_t{1} << 32)) throw std::overflow_error("identifier table too large");
  std::vector<uint64_t> slots(capacity, 0);
  const size_t mask = capacity - 1;
  for (uint64_t slot : slots_) {
    if (slot == 0) continue;
    size_t i = probe_start(slot, mask);
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = slot;
  }
  slots_.swap(slots);
}

void Interner::reserve(size_t identifiers) {
  starts_.reserve(identifiers);
  grow_table((identifiers * 4 + 2) / 3);
}

size_t Interner::bytes_used() const {
  return arena_bytes_ + blocks_.capacity() * sizeof(Block) +
         starts_.capacity() * sizeof(const char*) + slots_.capacity() * sizeof(uint64_t);
}

// MSD radix sort sixteen bytes at a time: sort (two chunks, remaining
// length) keys, then refine runs that tie on both full chunks. The first
// pass reads the identifiers in id order, i.e. in arena order; 16 bytes
// separate nearly all identifiers of real graphs ('device:' plus a hash,
// 'email:' plus a number), so few are read again out of order. Several
// times faster than comparing strings through the arena, and an explicit
// stack keeps long shared prefixes from recursing deeply.
std::vector<uint32_t> Interner::ids_in_byte_order(const InterruptPoll& poll) const {
  struct Entry {
    uint64_t high, low;  // bytes [depth, depth + 16) big-endian, zero padded
    uint32_t tail;       // bytes left from depth, capped at 17 (= continues past the chunks)
    uint32_t id;
  };
  struct Range {
    size_t begin, end, depth;
  };
  auto chunk = [](std::string_view bytes, size_t from) {
    uint64_t out = 0;
    for (size_t k = 0; k < 8; ++k) {
      const uint64_t byte =
          from + k < bytes.size() ? static_cast<unsigned char>(bytes[from + k]) : 0;
      out |= byte << (56 - 8 * k);
    }
    return out;
  };
  InterruptTicker ticker(poll, 1 << 14);
  std::vector<Entry> entries(starts_.size());
  for (uint32_t id = 0; id < entries.size(); ++id) entries[id].id = id;
  std::vector<Range> pending{{0, entries.size(), 0}};
  while (!pending.empty()) {
    const Range range = pending.back();
    pending.pop_back();
    if (range.end - range.begin < 2) continue;
    for (size_t i = range.begin; i < range.end; ++i) {
      ticker.tick();
      const std::string_view bytes = view(entries[i].id).substr(range.depth);
      entries[i].high = chunk(bytes, 0);
      entries[i].low = chunk(bytes, 8);
      entries[i].tail = static_cast<uint32_t>(std::min<size_t>(bytes.size(), 17));
    }
    std::sort(entries.begin() + range.begin, entries.begin() + range.end,
              [](const Entry& x, const Entry& y) {
                if (x.high != y.high) return x.high < y.high;
                if (x.low != y.low) return x.low < y.low;
                return x.tail < y.tail;
              });
    // Equal keys with tail < 17 mean equal strings, impossible for distinct ids.
    for (size_t run = range.begin; run < range.end;) {
      size_t run_end = run + 1;
      while (run_end < range.end && entries[run_end].high == entries[run].high &&
             entries[run_end].low == entries[run].low &&
             entries[run_end].tail == entries[run].tail) {
        ++run_end;
      }
      if (run_end - run > 1) pending.push_back({run, run_end, range.depth + 16});
      run = run_end;
    }
  }
  std::vector<uint32_t> ids(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) ids[i] = entries[i].id;
  return ids;
}

}  // namespace clv::identity
