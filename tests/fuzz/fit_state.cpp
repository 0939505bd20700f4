// The model-fit aggregates' state bytes (FitState<Data>::deserialize: the
// "CMF" header, the penalizer, then RfmData, SpendData, CohortData or
// DiscreteData, which
// the first input byte chooses). Checks: any bytes either decode or throw a
// documented exception; a decoded penalizer passes validation; the state
// re-serialises to bytes that decode to the same bytes again; merging a copy
// works or throws a documented error.
#include "clv/models/data.hpp"
#include "clv/models/fit_state.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace {

template <class Data>
void fuzz_state(std::string_view bytes, const char* name) {
  using State = clv::models::FitState<Data>;
  std::optional<State> state;
  fuzz::documented(name, [&] { state.emplace(State::deserialize(bytes)); });
  if (!state) return;
  clv::models::validate_penalizer(state->penalizer);  // throws = finding
  const std::string again = state->serialize();
  fuzz::check(State::deserialize(again).serialize() == again, "fit state round trip changed bytes");
  fuzz::documented("FitState::merge", [&] {
    State merged = *state;
    merged.merge(*state);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      fuzz_state<clv::models::RfmData>(bytes, "FitState<RfmData>::deserialize");
      break;
    case 1:
      fuzz_state<clv::models::SpendData>(bytes, "FitState<SpendData>::deserialize");
      break;
    case 2:
      fuzz_state<clv::models::CohortData>(bytes, "FitState<CohortData>::deserialize");
      break;
    default:
      fuzz_state<clv::models::DiscreteData>(bytes, "FitState<DiscreteData>::deserialize");
  }
  return 0;
}
