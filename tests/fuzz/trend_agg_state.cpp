// clv.trend_agg's whole state bytes: the settings header ("CTA") followed by
// the accumulator (BasicTrendAggState::deserialize). Checks: any bytes either
// decode or throw a documented exception; decoded settings pass validation
// and no purchase lies after as_of; a decoded state re-serialises to exactly
// the input bytes; the final function works or throws documented errors.
#include "clv/trend/accumulator.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using State = clv::trend::BasicTrendAggState<>;
  std::optional<State> state;
  fuzz::documented("BasicTrendAggState::deserialize",
                   [&] { state.emplace(State::deserialize(data, size)); });
  if (!state) return 0;

  state->settings.validate();  // throws = finding
  fuzz::check(state->serialize() == std::string(reinterpret_cast<const char*>(data), size),
              "trend aggregate state round trip changed bytes");
  if (state->acc.empty()) return 0;

  const auto& sums = state->acc.period_sums();
  const int64_t as_of_period = state->settings.as_of_period();
  fuzz::check(sums.back().period <= as_of_period, "decoded a purchase after as_of");
  // The final scan is O(periods): keep fuzzed spans short.
  if (static_cast<uint64_t>(as_of_period) - static_cast<uint64_t>(sums.front().period) > (1u << 16))
    return 0;
  fuzz::documented("BasicTrendAggState finalize", [&] {
    const clv::trend::TrendResult r = state->acc.finalize(as_of_period, state->settings.options);
    fuzz::check(r.periods >= 1, "trend result without periods");
    if (r.slope) fuzz::check_finite("slope", *r.slope);
    if (r.recent_mean) fuzz::check_finite("recent_mean", *r.recent_mean);
    if (r.r_squared) fuzz::check_probability("r_squared", *r.r_squared);
  });
  return 0;
}
