# PGXS build of clv_ext: the C++17 core (src/core) and the PostgreSQL
# boundary (src/pg) linked into clv_ext.so, the install scripts in extension/,
# and the pg_regress suite in sql/ + expected/ (make installcheck).
EXTENSION = clv_ext
MODULE_big = clv_ext
DATA = $(wildcard extension/clv_ext--*.sql)

CORE_SRCS := $(sort $(wildcard src/core/*.cpp))
PG_SRCS := $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

REGRESS = setup boundary rfm rfm_errors rfm_parallel rfm_cdnow clv_formulas
REGRESS_OPTS = --inputdir=. --outputdir=build/regress

PG_CONFIG ?= pg_config
# Debian's PostgreSQL is built with LLVM JIT; we ship no bitcode.
override with_llvm = no

EIGEN_CFLAGS := $(shell pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)
PG_CPPFLAGS = -I$(CURDIR)/include $(EIGEN_CFLAGS)
PG_CXXFLAGS = -std=c++17 -fPIC -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-cast-function-type -Wno-register -MMD -MP
SHLIB_LINK = -lstdc++ -lnlopt
EXTRA_CLEAN = $(OBJS:.o=.d) build/regress

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

installcheck: | build/regress
build/regress:
	mkdir -p $@
