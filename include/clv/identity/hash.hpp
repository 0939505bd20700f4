// Stable 64-bit hashing of identifiers: XXH64 (seed 0), read little-endian so
// the value is the same on every platform and release. Cluster ids of one-shot
// resolution are derived from it, so they are safe to store and compare across
// runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace clv::identity {

// XXH64 of the bytes, as specified by the xxHash reference implementation.
uint64_t xxh64(const void* data, size_t size, uint64_t seed = 0);

inline uint64_t xxh64(std::string_view bytes, uint64_t seed = 0) {
  return xxh64(bytes.data(), bytes.size(), seed);
}

// The one-shot cluster_id: XXH64 of the cluster key with the top bit cleared,
// so it fits a non-negative bigint. Two distinct keys collide with probability
// 2^-63; among n clusters the chance of any collision is about n^2 / 2^64
// (5e-8 for one million clusters, 5e-6 for ten million).
inline int64_t cluster_id_for_key(std::string_view cluster_key) {
  return static_cast<int64_t>(xxh64(cluster_key) & 0x7fffffffffffffffULL);
}

}  // namespace clv::identity
