// The extension's configuration parameters (GUCs), defined in _PG_init.
#pragma once

namespace clv_pg::settings {

// clv.identity_block_junk: block the built-in junk values in identity rules.
extern bool identity_block_junk;
// clv.identity_max_cluster_size: most identifiers of one cluster; 0 = no limit.
extern int identity_max_cluster_size;
// clv.identity_hub_limit: most identifiers of one type one identifier may be
// linked to before it counts as a hub; 0 = no hub detection.
extern int identity_hub_limit;

}  // namespace clv_pg::settings
