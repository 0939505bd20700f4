#include "clv/common/assertions.hpp"

#include "clv/identity/explain.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include "clv/identity/interner.hpp"

namespace clv::identity {
namespace {

using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                          boost::property<boost::edge_index_t, size_t>>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using GraphEdge = boost::graph_traits<Graph>::edge_descriptor;

constexpr size_t kNoEdge = static_cast<size_t>(-1);

// Records, for every vertex reached, the edge it was reached by.
class TreeEdgeRecorder : public boost::default_bfs_visitor {
 public:
  TreeEdgeRecorder(std::vector<size_t>& via, InterruptTicker& ticker)
      : via_(via), ticker_(ticker) {}
  void tree_edge(GraphEdge e, const Graph& g) {
    via_[boost::target(e, g)] = boost::get(boost::edge_index, g, e);
  }
  void examine_vertex(Vertex, const Graph&) { ticker_.tick(); }

 private:
  std::vector<size_t>& via_;
  InterruptTicker& ticker_;
};

}  // namespace

std::optional<std::vector<size_t>> shortest_path(const std::vector<Edge>& edges,
                                                 std::string_view from, std::string_view to,
                                                 const InterruptPoll& poll) {
  InterruptTicker ticker(poll);
  Interner vertices;
  std::vector<std::pair<uint32_t, uint32_t>> ends(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    ticker.tick();
    ends[i] = {vertices.intern(edges[i].first), vertices.intern(edges[i].second)};
  }
  const uint32_t source = vertices.find(from), target = vertices.find(to);
  if (source == Interner::kNotFound || target == Interner::kNotFound) {
    return from == to ? std::optional<std::vector<size_t>>(std::vector<size_t>()) : std::nullopt;
  }
  if (source == target) return std::vector<size_t>();

  // Adjacency in (smaller end, larger end) byte order makes BFS tie-breaking,
  // hence the path chosen, independent of the input order.
  std::vector<size_t> order(edges.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto sort_key = [&](size_t i) {
    std::string_view a = edges[i].first, b = edges[i].second;
    if (b < a) std::swap(a, b);
    return std::make_tuple(a, b, i);
  };
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return sort_key(x) < sort_key(y); });
  Graph graph(vertices.size());
  for (size_t i : order) boost::add_edge(ends[i].first, ends[i].second, i, graph);

  std::vector<size_t> via(vertices.size(), kNoEdge);
  TreeEdgeRecorder recorder(via, ticker);
  std::vector<boost::default_color_type> colors(vertices.size());
  boost::breadth_first_search(graph, source,
                              boost::visitor(recorder).color_map(boost::make_iterator_property_map(
                                  colors.begin(), boost::get(boost::vertex_index, graph))));
  if (via[target] == kNoEdge) return std::nullopt;

  std::vector<size_t> path;
  for (uint32_t at = target; at != source;) {
    const size_t edge = via[at];
    path.push_back(edge);
    at = ends[edge].first == at ? ends[edge].second : ends[edge].first;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace clv::identity
