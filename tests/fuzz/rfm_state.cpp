// clv.rfm_agg's state bytes (RfmAccumulator::deserialize), as a parallel
// worker or a Citus shard would send them. Checks: any bytes either decode or
// throw a documented exception; a decoded state re-serialises to bytes that
// decode to the same bytes again; the final function (result) and the combine
// step (merge with a copy of itself) work on it or throw documented errors.
#include "clv/rfm/rfm.hpp"

#include "fuzz_support.hpp"

#include <cmath>
#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using Acc = clv::RfmAccumulator<>;
  std::optional<Acc> acc;
  fuzz::documented("RfmAccumulator::deserialize", [&] {
    clv::ByteReader in(data, size);
    acc.emplace(Acc::deserialize(in));
  });
  if (!acc) return 0;

  const std::string bytes = acc->serialize();
  clv::ByteReader again(bytes.data(), bytes.size());
  fuzz::check(Acc::deserialize(again).serialize() == bytes, "RFM state round trip changed bytes");

  if (!acc->empty()) {
    fuzz::documented("RfmAccumulator::result", [&] {
      const clv::RfmResult r = acc->result();
      fuzz::check(r.frequency >= 0 && r.recency >= 0 && r.n_orders > 0, "RFM result out of range");
      fuzz::check(!std::isnan(r.recency) && !std::isnan(r.t), "RFM result is NaN");
    });
  }
  fuzz::documented("RfmAccumulator::merge", [&] {
    Acc copy(*acc, std::allocator<int64_t>());
    acc->merge(copy);
    if (!acc->empty()) acc->result();
  });
  return 0;
}
