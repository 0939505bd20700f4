# PGXS build of clv_ext: the C++17 core (src/core) and the PostgreSQL
# boundary (src/pg) linked into clv_ext.so, the install script assembled from
# extension/src/*.sql (one file per feature), released install scripts in
# extension/, upgrades assembled from extension/upgrade/ and the new parts,
# the pg_regress suite in sql/ + expected/ and the isolation specs in specs/
# (make installcheck). The TAP tests of the background workers (t/*.pl) start
# clusters of their own, which initdb refuses to do as root: scripts/test.sh
# runs them with prove as the postgres user.
EXTENSION = clv_ext
EXTVERSION = 0.4.0
MODULE_big = clv_ext
# The current install script and the upgrade to it are assembled from the
# parts; the install and upgrade scripts of released versions are kept in
# extension/ as they shipped.
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(EXTENSION)--0.3.0--$(EXTVERSION).sql
DATA = $(wildcard extension/$(EXTENSION)--*.sql)

CORE_SRCS := $(sort $(wildcard src/core/*/*.cpp))
PG_SRCS := $(sort $(wildcard src/pg/*.cpp src/pg/*/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# setup installs the extension and loads shared data; the rest in name order.
REGRESS = setup $(filter-out setup,$(sort $(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --outputdir=build/regress
# Concurrency: isolation specs in specs/, expected output in expected/.
ISOLATION = $(sort $(basename $(notdir $(wildcard specs/*.spec))))
ISOLATION_OPTS = --inputdir=. --outputdir=build/isolation

PG_CONFIG ?= pg_config
# Debian's PostgreSQL is built with LLVM JIT; we ship no bitcode.
override with_llvm = no

EIGEN_CFLAGS := $(shell pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)
# Boost assertions call our handler, which throws (clv/assertions.hpp).
PG_CPPFLAGS = -I$(CURDIR)/include -I$(CURDIR)/src/pg $(EIGEN_CFLAGS) -DBOOST_ENABLE_ASSERT_HANDLER
PG_CXXFLAGS = -std=c++17 -fPIC -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-cast-function-type -Wno-register -MMD -MP
SHLIB_LINK = -lstdc++ -lnlopt
EXTRA_CLEAN = $(OBJS:.o=.d) build/regress build/isolation

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard extension/src/*.sql))
	cat $^ > $@

# The upgrade from the last release: its once-only DDL, then the idempotent
# function parts (CREATE OR REPLACE), then what needs the new functions.
UPGRADE_PARTS = extension/upgrade/0.3.0--$(EXTVERSION).sql extension/src/42_identity_functions.sql \
    extension/src/51_profiles_functions.sql extension/upgrade/0.3.0--$(EXTVERSION).post.sql
$(EXTENSION)--0.3.0--$(EXTVERSION).sql: $(UPGRADE_PARTS)
	cat $^ > $@

# The documentation's SQL examples as a regression test, regenerated when a
# document changes (scripts/readme_examples.py).
sql/readme_examples.sql: README.md $(wildcard docs/*.md docs/*/*.md) scripts/readme_examples.py
	python3 scripts/readme_examples.py

installcheck: sql/readme_examples.sql | build/regress build/isolation
build/regress build/isolation:
	mkdir -p $@
