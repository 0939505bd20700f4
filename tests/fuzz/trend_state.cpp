// clv.trend_agg's accumulator bytes (TrendAccumulator::deserialize). Checks:
// any bytes either decode or throw a documented exception; a decoded state
// re-serialises to exactly the input bytes (the format is canonical); the
// combine step (merge with a copy of itself) and the final function
// (finalize, as_of a few periods after the last purchase) work or throw
// documented errors.
#include "clv/trend/accumulator.hpp"

#include "fuzz_support.hpp"

#include <cmath>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::trend::TrendAccumulator;
  std::optional<TrendAccumulator> acc;
  fuzz::documented("TrendAccumulator::deserialize",
                   [&] { acc.emplace(TrendAccumulator::deserialize(data, size)); });
  if (!acc) return 0;

  fuzz::check(acc->serialize() == std::string(reinterpret_cast<const char*>(data), size),
              "trend state round trip changed bytes");

  auto finalize = [&](const TrendAccumulator& state) {
    if (state.empty()) return;
    const auto& sums = state.period_sums();
    const int64_t first = sums.front().period, last = sums.back().period;
    // The final scan is O(periods): keep fuzzed spans short.
    if (static_cast<uint64_t>(last) - static_cast<uint64_t>(first) > (1u << 16)) return;
    const int64_t as_of = last + static_cast<int64_t>(size % 16);
    if (as_of < last) return;
    fuzz::documented("TrendAccumulator::finalize", [&] {
      const clv::trend::TrendResult r = state.finalize(as_of);
      fuzz::check(r.periods >= 1, "trend result without periods");
      if (r.r_squared) fuzz::check_probability("r_squared", *r.r_squared);
      if (r.slope_p_value) fuzz::check_probability("slope p-value", *r.slope_p_value);
    });
  };
  finalize(*acc);
  fuzz::documented("TrendAccumulator::merge", [&] {
    const TrendAccumulator copy(*acc, acc->period_sums().get_allocator());
    acc->merge(copy);
    finalize(*acc);
  });
  return 0;
}
