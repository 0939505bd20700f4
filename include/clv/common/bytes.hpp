// Architecture-independent byte encoding of aggregate states: fixed-width
// little-endian integers and IEEE doubles, no pointers. ByteReader validates
// every read and throws std::invalid_argument on truncated input, because
// states arrive from other processes (parallel workers, Citus shards).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace clv {

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, 8);
  }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void bytes(const void* data, size_t n) { out_.append(static_cast<const char*>(data), n); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  ByteReader(const void* data, size_t size)
      : p_(static_cast<const unsigned char*>(data)), end_(p_ + size) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  uint8_t u8() {
    need(1);
    return *p_++;
  }
  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // Reads a header written by write_header; throws on a foreign or newer state.
  void expect_header(const char tag[3], uint8_t version) {
    need(4);
    if (std::memcmp(p_, tag, 3) != 0) throw std::invalid_argument("state has an unknown format");
    if (p_[3] != version) throw std::invalid_argument("state has an unsupported format version");
    p_ += 4;
  }
  // A count of items of item_size bytes each that must fit in what is left.
  uint64_t count(size_t item_size) {
    uint64_t n = u64();
    if (n > remaining() / item_size) throw std::invalid_argument("state is truncated");
    return n;
  }
  void expect_end() const {
    if (p_ != end_) throw std::invalid_argument("state has trailing bytes");
  }

 private:
  void need(size_t n) const {
    if (remaining() < n) throw std::invalid_argument("state is truncated");
  }
  const unsigned char* p_;
  const unsigned char* end_;
};

inline void write_header(ByteWriter& out, const char tag[3], uint8_t version) {
  out.bytes(tag, 3);
  out.u8(version);
}

}  // namespace clv
