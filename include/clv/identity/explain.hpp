// Why two identifiers share a cluster: the shortest chain of edges between them.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "clv/common/errors.hpp"
#include "clv/identity/rules.hpp"

namespace clv::identity {

// Indices into `edges` (typically one cluster's edges) of a shortest path from
// `from` to `to`, in walking order; empty when from == to, nullopt when they
// are not connected. Among equally short paths the choice does not depend on
// the order of `edges`.
std::optional<std::vector<size_t>> shortest_path(const std::vector<Edge>& edges,
                                                 std::string_view from, std::string_view to,
                                                 const InterruptPoll& poll = {});

}  // namespace clv::identity
