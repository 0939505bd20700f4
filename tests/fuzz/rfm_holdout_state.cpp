// clv.rfm_holdout_agg's state bytes (RfmHoldoutAccumulator::deserialize).
// Checks: any bytes either decode or throw a documented exception; a decoded
// state re-serialises to bytes that decode to the same bytes again; result()
// and merge() with a copy of itself work or throw documented errors.
#include "clv/rfm/rfm.hpp"

#include "fuzz_support.hpp"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using Acc = clv::RfmHoldoutAccumulator<>;
  std::optional<Acc> acc;
  fuzz::documented("RfmHoldoutAccumulator::deserialize", [&] {
    clv::ByteReader in(data, size);
    acc.emplace(Acc::deserialize(in));
  });
  if (!acc) return 0;

  const std::string bytes = acc->serialize();
  clv::ByteReader again(bytes.data(), bytes.size());
  fuzz::check(Acc::deserialize(again).serialize() == bytes,
              "holdout state round trip changed bytes");

  if (!acc->empty()) {
    fuzz::documented("RfmHoldoutAccumulator::result", [&] {
      const clv::RfmHoldoutResult r = acc->result();
      fuzz::check(r.frequency_holdout >= 0, "negative holdout frequency");
    });
  }
  fuzz::documented("RfmHoldoutAccumulator::merge", [&] {
    Acc copy(*acc, std::allocator<int64_t>());
    acc->merge(copy);
    if (!acc->empty()) acc->result();
  });
  return 0;
}
