// clv.lateness_agg's state bytes (LatenessState::deserialize). Checks: any
// bytes either decode or throw a documented exception; a decoded state
// re-serialises to exactly the input bytes (the format is canonical);
// merging a copy changes nothing; the final computation returns a finite,
// non-negative lateness, NULL, or a documented error.
#include "clv/trend/lateness.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clv::trend::LatenessState;
  std::optional<LatenessState> state;
  fuzz::documented("LatenessState::deserialize",
                   [&] { state.emplace(LatenessState::deserialize(data, size)); });
  if (!state) return 0;

  fuzz::check(state->serialize() == std::string(reinterpret_cast<const char*>(data), size),
              "lateness state round trip changed bytes");

  auto check_result = [](const LatenessState& s) {
    std::optional<double> late;
    fuzz::documented("LatenessState::result", [&] { late = s.result(); });
    if (late) {
      fuzz::check_finite("LatenessState::result", *late);
      fuzz::check(*late >= 0, "lateness < 0");
    }
    return late;
  };
  const std::optional<double> before = check_result(*state);

  fuzz::documented("LatenessState::merge", [&] {
    LatenessState merged(*state, std::allocator<int64_t>());
    merged.merge(*state);
    fuzz::check(merged.serialize() == state->serialize(), "merging a copy changed the state");
    fuzz::check(check_result(merged) == before, "merging a copy changed the result");
  });
  return 0;
}
