// Compressed model inputs: merging, validation and the byte format, which
// must reject anything malformed with std::invalid_argument.
#include "clv/models/data.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

using namespace clv::models;

RfmData sample_rfm() {
  RfmData d;
  d.add(0, 0, 30);
  d.add(0, 0, 30, 4);
  d.add(2, 10.5, 30);
  d.add(7, 29, 39.25, 2);
  return d;
}

// Every strict prefix and every single-byte corruption of a valid state must
// either throw std::invalid_argument or decode to valid data.
template <class Data>
void expect_rejects_malformed(const std::string& bytes) {
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(Data::deserialize(bytes.substr(0, n)), std::invalid_argument) << "prefix " << n;
  EXPECT_THROW(Data::deserialize(bytes + '\0'), std::invalid_argument);
  std::mt19937_64 rng(11);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int k = 0; k < 4; ++k) {
      std::string corrupted = bytes;
      corrupted[i] = static_cast<char>(rng());
      try {
        Data::deserialize(corrupted).serialize();
      } catch (const std::invalid_argument&) {
      }
    }
  }
}

TEST(ModelsData, RfmMergesIdenticalTriples) {
  const RfmData d = sample_rfm();
  EXPECT_EQ(d.distinct(), 3u);
  EXPECT_EQ(d.customers(), 8u);
  RfmData other;
  other.add(2, 10.5, 30, 3);
  other.add(-0.0, -0.0, 30);  // -0 is the same summary as 0
  other.add(1, 1, 2);
  RfmData merged = d;
  merged.merge(other);
  EXPECT_EQ(merged.distinct(), 4u);
  EXPECT_EQ(merged.customers(), 13u);
  const auto rows = merged.rows();
  EXPECT_EQ(rows.front().x, 0);
  EXPECT_EQ(rows.front().weight, 6u);
}

TEST(ModelsData, RfmRoundTripIsOrderIndependent) {
  const RfmData d = sample_rfm();
  RfmData reversed;
  reversed.add(7, 29, 39.25, 2);
  reversed.add(2, 10.5, 30);
  reversed.add(0, 0, 30, 5);
  EXPECT_EQ(d.serialize(), reversed.serialize());
  const RfmData back = RfmData::deserialize(d.serialize());
  EXPECT_EQ(back.customers(), 8u);
  EXPECT_EQ(back.serialize(), d.serialize());
  EXPECT_EQ(RfmData::deserialize(RfmData().serialize()).customers(), 0u);
}

TEST(ModelsData, RfmRejectsMalformedBytes) {
  expect_rejects_malformed<RfmData>(sample_rfm().serialize());
  std::string bytes = sample_rfm().serialize();
  EXPECT_THROW(SpendData::deserialize(bytes), std::invalid_argument);  // wrong tag
  bytes[3] = 2;                                                        // future version
  EXPECT_THROW(RfmData::deserialize(bytes), std::invalid_argument);
  // A row with recency > T, then a duplicate row.
  RfmData one;
  one.add(1, 2, 3);
  std::string bad = one.serialize();
  const std::string tx_bits = bad.substr(20, 8), T_bits = bad.substr(28, 8);
  bad.replace(20, 8, T_bits);
  bad.replace(28, 8, tx_bits);
  EXPECT_THROW(RfmData::deserialize(bad), std::invalid_argument);
  std::string twice = one.serialize();
  twice[4] = 2;
  twice += one.serialize().substr(12);
  EXPECT_THROW(RfmData::deserialize(twice), std::invalid_argument);
}

TEST(ModelsData, ValidationNamesTheOffendingValue) {
  RfmData d;
  try {
    d.add(2, 5, 3);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "recency 5 is greater than age T 3");
  }
  EXPECT_THROW(d.add(-1, 0, 3), std::invalid_argument);
  EXPECT_THROW(d.add(1.5, 1, 3), std::invalid_argument);
  EXPECT_THROW(d.add(1, -1, 3), std::invalid_argument);
  EXPECT_THROW(d.add(1, 1, NAN), std::invalid_argument);
  EXPECT_THROW(d.add(INFINITY, 1, 3), std::invalid_argument);
  EXPECT_THROW(d.add(0, 1, 3), std::invalid_argument);
  SpendData s;
  EXPECT_THROW(s.add(2, 0), std::invalid_argument);
  EXPECT_THROW(s.add(2, -3), std::invalid_argument);
  EXPECT_THROW(s.add(2, NAN), std::invalid_argument);
  s.add(0, 0);  // no repeat purchase: ignored
  EXPECT_EQ(s.customers(), 0u);
}

TEST(ModelsData, SpendAndCohortRoundTrip) {
  SpendData s;
  s.add(1, 20.5);
  s.add(3, 35, 4);
  SpendData s2;
  s2.add(1, 20.5, 2);
  s.merge(s2);
  EXPECT_EQ(s.customers(), 7u);
  EXPECT_EQ(SpendData::deserialize(s.serialize()).serialize(), s.serialize());
  expect_rejects_malformed<SpendData>(s.serialize());

  CohortData c;
  c.add(0, 1000);
  c.add(1, 631);
  CohortData c2;
  c2.add(0, 10);
  c2.add(1, 5);
  c.merge(c2);
  EXPECT_EQ(c.rows()[0].active, 1010u);
  EXPECT_EQ(CohortData::deserialize(c.serialize()).serialize(), c.serialize());
  expect_rejects_malformed<CohortData>(c.serialize());
}

TEST(ModelsData, WeightOverflowIsRejected) {
  // Counts end up in bigint columns (n_customers): beyond that is 22003.
  RfmData d;
  EXPECT_THROW(d.add(1, 1, 2, UINT64_MAX), std::range_error);
  d.add(1, 1, 2, INT64_MAX);
  EXPECT_THROW(d.add(1, 1, 2), std::range_error);
  EXPECT_EQ(d.customers(), static_cast<std::uint64_t>(INT64_MAX));
}

}  // namespace
