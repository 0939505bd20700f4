# PGXS build of clv_ext: the C++17 core (src/core) and the PostgreSQL
# boundary (src/pg) linked into clv_ext.so; the install script of the current
# version and the upgrade to it from the last release, generated from
# extension/ (see extension/README.md); the released scripts, frozen in
# extension/released/; the pg_regress suite in sql/ + expected/ and the
# isolation specs in specs/ (make installcheck). The TAP tests of the
# background workers (t/*.pl) start clusters of their own, which initdb
# refuses to do as root: scripts/test.sh runs them with prove as the postgres
# user.
EXTENSION = clv_ext
EXTVERSION = 0.6.0
# The last released version: the generated upgrade starts there.
PREVIOUS_VERSION = 0.5.0
MODULE_big = clv_ext
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(EXTENSION)--$(PREVIOUS_VERSION)--$(EXTVERSION).sql
DATA = $(wildcard extension/released/$(EXTENSION)--*.sql)

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
# Warnings are errors; the -Wno- ones come from PostgreSQL's own headers and
# macros (unused fcinfo, partial initialisers, function-pointer casts, the
# register keyword).
PG_CXXFLAGS = -std=c++17 -fPIC -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-cast-function-type -Wno-register -MMD -MP
SHLIB_LINK = -lstdc++ -lnlopt
EXTRA_CLEAN = $(OBJS:.o=.d) build/regress build/isolation

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

# Once-only DDL, then the idempotent functions (CREATE OR REPLACE).
INSTALL_PARTS = $(sort $(wildcard extension/install/*.sql))
FUNCTION_PARTS = $(sort $(wildcard extension/functions/*.sql))
$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS) $(FUNCTION_PARTS)
	cat $^ > $@

# The upgrade from the last release: its once-only DDL delta, the functions
# as the install script loads them, then what needs the new functions (an
# optional .post delta).
UPGRADE_PARTS = extension/updates/$(PREVIOUS_VERSION)--$(EXTVERSION).sql $(FUNCTION_PARTS) \
    $(wildcard extension/updates/$(PREVIOUS_VERSION)--$(EXTVERSION).post.sql)
$(EXTENSION)--$(PREVIOUS_VERSION)--$(EXTVERSION).sql: $(UPGRADE_PARTS)
	cat $^ > $@

# The documentation's SQL examples as a regression test, regenerated when a
# document changes (scripts/readme_examples.py).
sql/readme_examples.sql: README.md $(wildcard docs/*.md docs/*/*.md) scripts/readme_examples.py
	python3 scripts/readme_examples.py

installcheck: sql/readme_examples.sql | build/regress build/isolation
build/regress build/isolation:
	mkdir -p $@
