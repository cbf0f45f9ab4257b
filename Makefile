# berth: one Makefile for the engine, the course tool, the tests and the site.
#
#   make            build build/bin/berth and build/bin/berth-lab
#   make run        deps + build + seed images + course site, then say where it is
#   make test       deps + build + every test, through prove (TAP)
#   make asan       the same binaries with AddressSanitizer and UBSan (build/asan/)
#   make bench      side-by-side benchmarks (bench/), QUICK=1 for a short run
#   make fuzz       build the libFuzzer targets (tests/fuzz/)
#   make install    PREFIX=/usr/local
#
# Sources are found by wildcard: a new file in engine/core/ or engine/cmd/
# (or course/, gen/, grader/) is built without touching this file.

.DEFAULT_GOAL := all
# A target whose recipe failed is not left behind looking up to date.
.DELETE_ON_ERROR:
SHELL := /bin/bash

B       ?= build
CC      ?= cc
OPT     ?= -O2
PREFIX  ?= /usr/local
SANITIZE ?=

PKGS := libarchive libseccomp sqlite3 jansson libcurl libcrypto yaml-0.1 libmnl libcmark-gfm libnftables
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS_ALL := -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation \
	-fno-strict-aliasing -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-DBERTH_GIT_COMMIT='"$(GIT_COMMIT)"' $(SANITIZE) $(PKG_CFLAGS) $(CFLAGS)
# -z now: every symbol bound at start (full RELRO), so a detached
# container's monitor never wakes the dynamic linker, and its pages, later.
LDFLAGS_ALL := $(SANITIZE) -Wl,--as-needed -Wl,-z,now $(LDFLAGS)
# libcurl, libarchive, libcrypto and libnftables (and their forty
# dependencies) cost every command ~6 ms in the dynamic loader.  On x86-64
# the binaries link trampolines instead (mk/lazylib.sh, engine/core/lazylib.c)
# and load each library on first use; LAZY=0 links them directly.
LAZY_PKGS := libarchive libcurl libcrypto libnftables
LAZY ?= $(if $(filter x86_64,$(shell uname -m)),1,0)
ifeq ($(LAZY),1)
LAZY_OBJ  := $(B)/obj/lazylib-stubs.o
LIBS      := $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS)) 2>/dev/null) -ldl -lpthread
else
LAZY_OBJ  :=
LIBS      := $(PKG_LIBS) -ldl -lpthread
endif
# Unit tests call the libraries themselves: they link everything directly.
TEST_LINK_LIBS := $(PKG_LIBS) -ldl -lpthread

CORE_SRC := $(sort $(wildcard engine/core/*.c))
CMD_SRC  := $(sort $(wildcard engine/cmd/*.c))
LAB_SRC  := $(sort $(wildcard course/*.c gen/*.c grader/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
CORE_OBJ := $(call obj,$(CORE_SRC))
CMD_OBJ  := $(call obj,$(CMD_SRC))
LAB_OBJ  := $(call obj,$(LAB_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRC))

BERTH     := $(B)/bin/berth
BERTH_LAB := $(B)/bin/berth-lab
LIBBERTH  := $(B)/libberth.a
LIBLAB    := $(B)/liblab.a
LIBCLI    := $(B)/libberthcli.a
# What a unit test may call: the CLI layer, the course tool and the core.
TEST_LIBS := $(LIBCLI) $(LIBLAB) $(LIBBERTH)

.PHONY: all deps run test test-unit test-cli asan asan-test bench bench-tools bench-deps bench-compare fuzz \
	install clean site seed stop

all: $(BERTH) $(BERTH_LAB) seed

deps:
	@sh mk/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIBBERTH): $(CORE_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@ar rcs $@ $^

$(LIBLAB): $(LAB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@ar rcs $@ $^

$(LIBCLI): $(CMD_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@ar rcs $@ $^

# The trampolines cover every function either binary calls in LAZY_PKGS.
$(B)/gen/lazylib-stubs.S: mk/lazylib.sh $(B)/obj/engine/main.o $(B)/obj/lab/main.o $(LIBCLI) $(LIBLAB) $(LIBBERTH)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@sh mk/lazylib.sh '$(LAZY_PKGS)' $(filter-out mk/lazylib.sh,$^) > $@.tmp && mv $@.tmp $@

$(B)/obj/lazylib-stubs.o: $(B)/gen/lazylib-stubs.S
	@$(CC) -c $< -o $@

$(BERTH): $(B)/obj/engine/main.o $(LAZY_OBJ) $(LIBCLI) $(LIBBERTH)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BERTH_LAB): $(B)/obj/lab/main.o $(LAZY_OBJ) $(LIBLAB) $(LIBCLI) $(LIBBERTH)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(B)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(TEST_LIBS)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS_ALL) -Itests/unit $(LDFLAGS_ALL) -o $@ $< $(TEST_LIBS) $(TEST_LINK_LIBS)

# Bench helpers (bench/tools/*.c): small programs on the core, built for
# `make bench` only.
BENCH_TOOLS := $(patsubst bench/tools/%.c,$(B)/bench-tools/%,$(sort $(wildcard bench/tools/*.c)))
bench-tools: $(BENCH_TOOLS)
$(B)/bench-tools/%: bench/tools/%.c $(LIBBERTH)
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBBERTH) $(TEST_LINK_LIBS)

# The seed images: Debian's busybox-static made into an image by berth itself.
seed: $(BERTH)
	@if [ -f mk/seed.sh ]; then sh mk/seed.sh $(BERTH) $(B)/images; fi

site: $(BERTH_LAB)
	$(BERTH_LAB) build --out $(B)/site

run: deps all site
	@sh mk/run.sh $(B)

stop:
	@if [ -f mk/stop.sh ]; then sh mk/stop.sh; fi

# Tests: C unit tests, CLI tests (shell, TAP) and the course's tests, one
# prove run, one summary.  Each CLI test makes its own temporary root.
TEST_FILES = $(UNIT_BIN) $(sort $(wildcard tests/cli/*.t tests/lab/*.t tests/browser/*.t))
test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@$(MAKE) --no-print-directory test-run

test-run:
	BERTH_BUILD=$(abspath $(B)) prove -j$${BERTH_TEST_JOBS:-2} --timer $(TEST_FILES)

asan:
	@$(MAKE) --no-print-directory B=build/asan OPT=-O1 \
		SANITIZE='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
		all $(patsubst $(B)/%,build/asan/%,$(UNIT_BIN))

asan-test: asan
	@$(MAKE) --no-print-directory B=build/asan test-run

fuzz:
	@$(MAKE) --no-print-directory -f mk/fuzz.mk

bench-deps:
	@sh mk/deps.sh --bench

bench: deps bench-deps all bench-tools
	@bash bench/run.sh $(if $(QUICK),--quick)

bench-compare:
	@bash bench/compare.sh $(filter-out bench-compare,$(MAKECMDGOALS))

# `make bench-compare OLD.json`: OLD.json is an argument, not a target.
ifeq ($(firstword $(MAKECMDGOALS)),bench-compare)
BENCH_COMPARE_ARGS := $(filter-out bench-compare,$(MAKECMDGOALS))
.PHONY: $(BENCH_COMPARE_ARGS)
$(BENCH_COMPARE_ARGS):
	@:
endif

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/berth
	install -m 0755 $(BERTH) $(BERTH_LAB) $(DESTDIR)$(PREFIX)/bin/
	cp -r assets site lessons $(DESTDIR)$(PREFIX)/share/berth/
	if [ -d $(B)/images ]; then cp -r $(B)/images $(DESTDIR)$(PREFIX)/share/berth/; fi

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
