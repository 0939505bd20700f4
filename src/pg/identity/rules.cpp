#include "identity/rules.hpp"

extern "C" {
#include "catalog/pg_collation.h"
#include "utils/lsyscache.h"
}

#include <map>
#include <memory>
#include <string>

#include "common/guard.hpp"
#include "common/settings.hpp"
#include "common/spi_query.hpp"

namespace clv_pg {
namespace {

uint32_t limit(int64_t value) {
  return value <= 0 ? 0 : static_cast<uint32_t>(std::min<int64_t>(value, UINT32_MAX));
}

}  // namespace

clv::identity::LinkRules link_rules(Oid extension_schema) {
  clv::identity::LinkRules rules;
  rules.block_junk = settings::identity_block_junk;
  rules.max_cluster_size = static_cast<uint64_t>(settings::identity_max_cluster_size);
  rules.hub_limit = limit(settings::identity_hub_limit);

  std::string table;
  pg_call([&] {
    const char* schema = get_namespace_name(extension_schema);
    table = std::string(quote_identifier(schema)) + ".identity_rules";
  });
  // Patterns as text datums, matched with ~* (texticregexeq), which caches
  // the compiled expressions.
  auto patterns = std::make_shared<std::map<std::string, text*, std::less<>>>();
  const std::string rules_query =
      "SELECT r.id_type, COALESCE(r.max_per_cluster, 0)::pg_catalog.int8, "
      "COALESCE(r.priority, 0)::pg_catalog.int8, COALESCE(r.hub_limit, 0)::pg_catalog.int8, "
      "r.blocked_pattern FROM " +
      table + " r";
  for_each_row("identity_rules", rules_query.c_str(),
               {ColumnType::kText, ColumnType::kInt8, ColumnType::kInt8, ColumnType::kInt8,
                ColumnType::kText},
               [&](const Cell* row) {
                 clv::identity::TypeRule& rule = rules.types[std::string(row[0].text)];
                 rule.max_per_cluster = limit(row[1].integer);
                 rule.priority = static_cast<int>(row[2].integer);
                 rule.hub_limit = limit(row[3].integer);
                 if (row[4].null) return;
                 text* pattern = nullptr;
                 pg_call([&] {
                   pattern = cstring_to_text_with_len(row[4].text.data(),
                                                      static_cast<int>(row[4].text.size()));
                 });
                 (*patterns)[std::string(row[0].text)] = pattern;
               });
  const std::string values_query = "SELECT r.id_type, v.value FROM " + table +
                                   " r, pg_catalog.unnest(r.blocked_values) AS v(value) "
                                   "WHERE v.value IS NOT NULL";
  for_each_row("identity_rules", values_query.c_str(), {ColumnType::kText, ColumnType::kText},
               [&](const Cell* row) {
                 rules.types[std::string(row[0].text)].blocked_values.emplace(row[1].text);
               });
  if (!patterns->empty()) {
    rules.blocked_by = [patterns](std::string_view type, std::string_view value) {
      auto it = patterns->find(type);
      if (it == patterns->end()) return false;
      bool match = false;
      pg_call([&] {
        text* v = cstring_to_text_with_len(value.data(), static_cast<int>(value.size()));
        match = DatumGetBool(DirectFunctionCall2Coll(
            texticregexeq, DEFAULT_COLLATION_OID, PointerGetDatum(v), PointerGetDatum(it->second)));
        pfree(v);
      });
      return match;
    };
  }
  return rules;
}

}  // namespace clv_pg
