// The peers' published data sets the model tests reproduce results on.
#pragma once

#include "clv/models/data.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace clv_test {

using clv::models::DiscreteData;
using clv::models::RfmData;
using clv::models::SpendData;

// The CDNOW sample's calibration summary (2,357 customers, weeks, 39-week
// calibration): data/cdnow/cdnow_customers_summary_with_transactions.csv
// (see data/cdnow/README.md), found relative to this source file.
struct CdnowCustomer {
  double x, t_x, T, zbar;
};

inline std::string data_dir() {
  std::string here = __FILE__;
  return here.substr(0, here.rfind("/tests/unit/")) + "/data/cdnow/";
}

inline const std::vector<CdnowCustomer>& cdnow() {
  static const std::vector<CdnowCustomer> customers = [] {
    const std::string file = "cdnow_customers_summary_with_transactions.csv";
    std::ifstream in(data_dir() + file);
    if (!in) throw std::runtime_error("cannot open " + file + " in " + data_dir());
    std::vector<CdnowCustomer> out;
    std::string line;
    std::getline(in, line);  // header ID,x,t_x,T,zbar
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string id, x, t_x, T, zbar;
      std::getline(fields, id, ',');
      std::getline(fields, x, ',');
      std::getline(fields, t_x, ',');
      std::getline(fields, T, ',');
      std::getline(fields, zbar, ',');
      out.push_back({std::stod(x), std::stod(t_x), std::stod(T), std::stod(zbar)});
    }
    return out;
  }();
  return customers;
}

inline RfmData cdnow_rfm() {
  RfmData data;
  for (const auto& c : cdnow()) data.add(c.x, c.t_x, c.T);
  return data;
}

// Its repeat buyers' mean spend (946 customers): Gamma-Gamma's input.
inline SpendData cdnow_spend() {
  SpendData data;
  for (const auto& c : cdnow())
    if (c.x > 0) data.add(c.x, c.zbar);
  return data;
}

// Fader, Hardie & Shang (2010), table 2 / BTYD's donationsSummary: the
// 1995 cohort of 11,104 donors over 6 annual repeat-donation opportunities.
inline DiscreteData donations() {
  const int rows[][4] = {{0, 0, 6, 3464}, {1, 1, 6, 1091}, {1, 2, 6, 277}, {1, 3, 6, 129},
                         {1, 4, 6, 78},   {1, 5, 6, 119},  {1, 6, 6, 129}, {2, 2, 6, 613},
                         {2, 3, 6, 255},  {2, 4, 6, 155},  {2, 5, 6, 173}, {2, 6, 6, 234},
                         {3, 3, 6, 322},  {3, 4, 6, 181},  {3, 5, 6, 225}, {3, 6, 6, 357},
                         {4, 4, 6, 240},  {4, 5, 6, 284},  {4, 6, 6, 512}, {5, 5, 6, 335},
                         {5, 6, 6, 728},  {6, 6, 6, 1203}};
  DiscreteData data;
  for (const auto& r : rows) data.add(r[0], r[1], r[2], static_cast<std::uint64_t>(r[3]));
  return data;
}

}  // namespace clv_test
