#include "clv/identity/interner.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "clv/identity/hash.hpp"

namespace clv::identity {
namespace {

constexpr size_t kFirstBlockBytes = 4096;
constexpr size_t kMaxBlockBytes = size_t{8} << 20;
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

void check_table(bool released) {
  if (released) throw std::logic_error("identifier lookup after the interner's table was released");
}

}  // namespace

std::string_view Interner::view(uint32_t id) const {
  return read_entry(starts_[id]);
}

std::string_view Interner::view_at(const char* entry) {
  return read_entry(entry);
}

void Interner::release_table() {
  BigVector<uint64_t>().swap(slots_);
  table_released_ = true;
}

uint32_t Interner::find(std::string_view identifier) const {
  check_table(table_released_);
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
  check_table(table_released_);
  return intern_hashed(identifier, xxh64(identifier), added);
}

void Interner::intern_many(const std::string_view* identifiers, size_t count, uint32_t* ids) {
  check_table(table_released_);
  // Enough lookups in flight to cover memory latency, few enough that the
  // prefetched lines are still cached when the lookups run.
  constexpr size_t kBatch = 32;
  uint64_t hashes[kBatch];
  uint32_t candidates[kBatch];
  for (size_t begin = 0; begin < count; begin += kBatch) {
    const size_t n = std::min(kBatch, count - begin);
    const std::string_view* batch = identifiers + begin;
    // Grow now, so no lookup of the batch rehashes under the others.
    if ((starts_.size() + n) * 4 > slots_.size() * 3) grow_table((starts_.size() + n) * 2);
    const size_t mask = slots_.size() - 1;
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = xxh64(batch[i]);
      __builtin_prefetch(&slots_[probe_start(hashes[i], mask)]);
    }
    // The first slot whose hash half matches is nearly always the identifier.
    for (size_t i = 0; i < n; ++i) {
      candidates[i] = kNotFound;
      for (size_t s = probe_start(hashes[i], mask);; s = (s + 1) & mask) {
        const uint64_t slot = slots_[s];
        if (slot == 0) break;
        if (slot_hash_matches(slot, hashes[i])) {
          candidates[i] = slot_id(slot);
          __builtin_prefetch(&starts_[candidates[i]]);
          break;
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (candidates[i] != kNotFound) __builtin_prefetch(starts_[candidates[i]]);
    }
    for (size_t i = 0; i < n; ++i) {
      bool added;
      ids[begin + i] = intern_hashed(batch[i], hashes[i], added);
    }
  }
}

uint32_t Interner::intern_hashed(std::string_view identifier, uint64_t hash, bool& added) {
  // Keep the load at most 3/4 so linear probes stay short.
  if ((starts_.size() + 1) * 4 > slots_.size() * 3) grow_table((starts_.size() + 1) * 2);
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
    // Blocks double up to 8 MiB so small interners stay small; an identifier
    // larger than that gets a block of its own. Not zeroed: every byte used
    // is written first.
    const size_t next =
        blocks_.empty() ? kFirstBlockBytes : std::min(blocks_.back().capacity * 2, kMaxBlockBytes);
    const size_t capacity = std::max(next, need);
    blocks_.push_back(
        Block{std::unique_ptr<char[], BlockRelease>(
                  static_cast<char*>(allocate_big_block(capacity)), BlockRelease{capacity}),
              capacity, 0});
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
  BigVector<uint64_t> slots(capacity, 0);
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

namespace {

// A sort key: bytes [depth, depth + 16) of an identifier, big-endian, zero
// padded, and how many bytes are left from depth, capped at 17 (= continues
// past the chunks). Keys compare like the identifiers' bytes from depth on.
struct SortEntry {
  uint64_t high, low;
  uint32_t tail;
  uint32_t id;
};
static_assert(2 * sizeof(SortEntry) + sizeof(uint32_t) == Interner::kSortBytesPerIdentifier);

bool key_less(const SortEntry& x, const SortEntry& y) {
  if (x.high != y.high) return x.high < y.high;
  if (x.low != y.low) return x.low < y.low;
  return x.tail < y.tail;
}

bool key_equal(const SortEntry& x, const SortEntry& y) {
  return x.high == y.high && x.low == y.low && x.tail == y.tail;
}

unsigned key_byte(const SortEntry& entry, size_t byte) {
  const uint64_t chunk = byte < 8 ? entry.high : entry.low;
  return static_cast<unsigned>(chunk >> (56 - 8 * (byte % 8))) & 0xff;
}

constexpr size_t kSmallRange = 48;

// The first byte position from `byte` on where the keys of [first, first + n)
// differ (16 if they are all equal on both chunks).
size_t first_differing_byte(const SortEntry* first, size_t n, size_t byte) {
  uint64_t differ_high = 0, differ_low = 0;
  for (size_t i = 1; i < n; ++i) {
    differ_high |= first[i].high ^ first->high;
    differ_low |= first[i].low ^ first->low;
  }
  const auto shared_bytes = [](uint64_t differ) {
    return differ == 0 ? size_t{8} : static_cast<size_t>(__builtin_clzll(differ)) / 8;
  };
  return std::max(byte,
                  differ_high != 0 ? shared_bytes(differ_high) : 8 + shared_bytes(differ_low));
}

// Copies [from, from + n) to `to` grouped by key byte `byte` (stably), and
// gives each byte's first position and count.
void scatter(const SortEntry* from, SortEntry* to, size_t n, size_t byte, size_t* start,
             size_t* count) {
  std::fill(count, count + 256, 0);
  for (size_t i = 0; i < n; ++i) ++count[key_byte(from[i], byte)];
  size_t head[256];
  size_t next = 0;
  for (unsigned digit = 0; digit < 256; ++digit) {
    start[digit] = head[digit] = next;
    next += count[digit];
  }
  for (size_t i = 0; i < n; ++i) to[head[key_byte(from[i], byte)]++] = from[i];
}

void sort_into(SortEntry* from, SortEntry* to, size_t n, size_t byte);

// Sorts data[0, n) by key, with buffer[0, n) as scratch: most significant
// byte first, a counting pass and a scatter pass per byte, the bytes all keys
// share (prefixes such as 'device:') skipped, std::sort for small ranges.
// Scattering into a second buffer streams through memory, where an in-place
// (American flag) sort chases swap cycles, each load waiting on the one
// before. Recursion is at most 16 levels deep (about 6 kB of stack each).
void sort_in_place(SortEntry* data, SortEntry* buffer, size_t n, size_t byte) {
  if (n >= kSmallRange) byte = first_differing_byte(data, n, byte);
  if (n < kSmallRange || byte >= 16) {
    std::sort(data, data + n, key_less);
    return;
  }
  size_t start[256], count[256];
  scatter(data, buffer, n, byte, start, count);
  for (unsigned digit = 0; digit < 256; ++digit) {
    if (count[digit] > 0)
      sort_into(buffer + start[digit], data + start[digit], count[digit], byte + 1);
  }
}

// Sorts from[0, n) into to[0, n); `from` is scratch afterwards.
void sort_into(SortEntry* from, SortEntry* to, size_t n, size_t byte) {
  if (n >= kSmallRange) byte = first_differing_byte(from, n, byte);
  if (n < kSmallRange || byte >= 16) {
    std::copy(from, from + n, to);
    std::sort(to, to + n, key_less);
    return;
  }
  size_t start[256], count[256];
  scatter(from, to, n, byte, start, count);
  for (unsigned digit = 0; digit < 256; ++digit) {
    if (count[digit] > 1)
      sort_in_place(to + start[digit], from + start[digit], count[digit], byte + 1);
  }
}

}  // namespace

// MSD sort sixteen bytes at a time: sort (two chunks, remaining length) keys,
// then refine runs that tie on both full chunks. The first pass reads the
// identifiers in id order, i.e. in arena order; 16 bytes separate nearly all
// identifiers of real graphs ('device:' plus a hash, 'email:' plus a number),
// so few are read again out of order. An explicit stack keeps long shared
// prefixes from recursing deeply.
BigVector<uint32_t> Interner::ids_in_byte_order(const InterruptPoll& poll) const {
  struct Range {
    size_t begin, end, depth;
  };
  // Big-endian 8-byte loads; a short remainder is zero padded first.
  auto big_endian = [](const char* p) {
    uint64_t word;
    std::memcpy(&word, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
  };
  auto set_key = [&](SortEntry& entry, std::string_view bytes) {
    char padded[16] = {};
    const char* p = bytes.data();
    if (bytes.size() < 16) {
      std::memcpy(padded, bytes.data(), bytes.size());
      p = padded;
    }
    entry.high = big_endian(p);
    entry.low = big_endian(p + 8);
    entry.tail = static_cast<uint32_t>(std::min<size_t>(bytes.size(), 17));
  };
  InterruptTicker ticker(poll, 1 << 14);
  BigVector<SortEntry> entries(starts_.size());
  BigVector<SortEntry> scratch(starts_.size());
  for (uint32_t id = 0; id < entries.size(); ++id) entries[id].id = id;
  std::vector<Range> pending{{0, entries.size(), 0}};
  while (!pending.empty()) {
    const Range range = pending.back();
    pending.pop_back();
    if (range.end - range.begin < 2) continue;
    for (size_t i = range.begin; i < range.end; ++i) {
      ticker.tick();
      set_key(entries[i], view(entries[i].id).substr(range.depth));
    }
    sort_in_place(entries.data() + range.begin, scratch.data() + range.begin,
                  range.end - range.begin, 0);
    // Equal keys with tail < 17 mean equal strings, impossible for distinct ids.
    for (size_t run = range.begin; run < range.end;) {
      size_t run_end = run + 1;
      while (run_end < range.end && key_equal(entries[run_end], entries[run])) ++run_end;
      if (run_end - run > 1) pending.push_back({run, run_end, range.depth + 16});
      run = run_end;
    }
  }
  BigVector<uint32_t> ids(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) ids[i] = entries[i].id;
  return ids;
}

}  // namespace clv::identity
