// Shared helpers of the libFuzzer targets in this directory (built with
// -DCLV_FUZZ=ON, run by scripts/fuzz.sh).
//
// The contract every target checks: a core function either returns a usable
// value or throws one of the exception types of clv/errors.hpp that the
// PostgreSQL boundary maps to a clear SQLSTATE (std::invalid_argument,
// std::domain_error -> 22023; std::range_error, std::overflow_error -> 22003).
// Any other exception (it would surface as an internal error, XX000), a wrong
// value, a crash or a sanitizer report is a finding: fail() prints it and
// aborts, which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <typeinfo>

namespace fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "FUZZ CHECK FAILED: %s\n", what.c_str());
  std::abort();
}

inline void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

inline std::string show(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Runs f(); the documented exceptions are accepted (returns false), anything
// else fails. Returns true when f returned normally.
template <class F>
bool documented(const char* call, F&& f) {
  try {
    f();
    return true;
  } catch (const std::invalid_argument&) {
  } catch (const std::domain_error&) {
  } catch (const std::range_error&) {
  } catch (const std::overflow_error&) {
  } catch (const std::exception& e) {
    fail(std::string(call) + " threw an undocumented " + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fail(std::string(call) + " threw a non-standard exception");
  }
  return false;
}

inline void check_finite(const char* call, double v) {
  check(std::isfinite(v), std::string(call) + " returned " + show(v));
}

inline void check_probability(const char* call, double v) {
  check(v >= 0 && v <= 1 + 1e-9, std::string(call) + " returned " + show(v) + ", not in [0, 1]");
}

// Reads typed values off the fuzz input; past its end every read returns 0.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

  bool empty() const { return p_ == end_; }
  uint8_t byte() { return p_ == end_ ? 0 : *p_++; }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(byte()) << (8 * i);
    return v;
  }
  // Any double, NaN and infinities included.
  double raw_double() {
    const uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // A number in [0, 1] in steps of 1/65535.
  double fraction() {
    const unsigned v = byte() | (static_cast<unsigned>(byte()) << 8);
    return v / 65535.0;
  }
  // Mostly a positive number spread log-uniformly over [1e-8, 1e8]; a
  // selector byte >= 240 makes it any double (invalid values included).
  double positive() {
    if (byte() >= 240) return raw_double();
    return std::pow(10.0, -8.0 + 16.0 * fraction());
  }
  // Mostly a non-negative integer below 2^bits; sometimes any double.
  double count(int bits) {
    if (byte() >= 240) return raw_double();
    return static_cast<double>(u64() & ((uint64_t{1} << bits) - 1));
  }
  // Mostly a customer summary (x repeat purchases, recency t_x, age T) that
  // passes validate_rfm; sometimes arbitrary doubles.
  void customer(double& x, double& t_x, double& T) {
    x = count(10);
    T = byte() == 1 ? 0.0 : positive();
    t_x = x == 0 ? 0 : T * fraction();
    if (byte() >= 240) t_x = raw_double();
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace fuzz
