#include "postgres.hpp"

extern "C" {
#include "utils/guc.h"
}

#include "settings.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace clv_pg::settings {
bool identity_block_junk = true;
int identity_max_cluster_size = 10000;
int identity_hub_limit = 100;
}  // namespace clv_pg::settings

void _PG_init(void) {
  using namespace clv_pg::settings;
  DefineCustomBoolVariable(
      "clv.identity_block_junk",
      "Whether identity resolution blocks the built-in junk values ('null', 'unknown', all-zero "
      "ids, ...).",
      nullptr, &identity_block_junk, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "clv.identity_max_cluster_size",
      "Most identifiers one resolved identity may hold; a merge past it is rejected (0: no limit).",
      nullptr, &identity_max_cluster_size, 10000, 0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "clv.identity_hub_limit",
      "Most identifiers of one type an identifier may be linked to; past it the identifier is a "
      "hub and its further links are rejected (0: no hub detection).",
      "A rule in clv.identity_rules can set its own limit for links to identifiers of its type.",
      &identity_hub_limit, 100, 0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("clv");
}
