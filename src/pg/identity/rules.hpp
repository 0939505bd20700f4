// The link rules in force for identity resolution, read from the database.
#pragma once

#include "common/postgres.hpp"

#include "clv/identity/rules.hpp"

namespace clv_pg {

// The built-in junk list (clv.identity_block_junk), the global limits
// (clv.identity_max_cluster_size, clv.identity_hub_limit) and the rows of
// identity_rules in the extension's schema. Needs an open SpiSession; the
// returned rules evaluate blocked_pattern through PostgreSQL's regular
// expressions, so use them while that session and the call last.
clv::identity::LinkRules link_rules(Oid extension_schema);

}  // namespace clv_pg
