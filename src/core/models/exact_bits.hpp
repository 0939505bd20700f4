// The exact-bits keys and the decoded counts of the compressed model inputs
// (data.cpp, covariates.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace clv::models::detail {

inline constexpr std::uint64_t kBigintMax = std::numeric_limits<std::int64_t>::max();

// Counts read from bytes beyond a bigint mean a corrupt state, not an overflow.
inline std::uint64_t decoded_count_add(std::uint64_t a, std::uint64_t b) {
  if (a > kBigintMax || b > kBigintMax - a)
    throw std::invalid_argument("state holds a count beyond bigint");
  return a + b;
}

// A value's bits as a key, -0.0 folded into 0.0 (the same summary).
inline std::uint64_t key_bits(double v) {
  if (v == 0) v = 0.0;
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

inline double from_bits(std::uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

inline std::size_t hash_bits(const std::uint64_t* bits, std::size_t count) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::size_t i = 0; i < count; ++i) {
    h ^= bits[i] + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
  }
  return static_cast<std::size_t>(h ^ (h >> 33));
}

}  // namespace clv::models::detail
