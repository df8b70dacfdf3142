# pmcopy - one non-recursive build. `make help` lists the targets.
#
# Sources are picked up by folder: core/ (pure, -Wconversion), proto/ (the
# Polymarket protocol and pmcopy's own formats), app/ (one file per
# command and the dispatcher), live/ and live/*/ , sim/,
# research/. Every .c under tests/unit/ named test_*.c is one cmocka binary;
# every tests/fuzz/fuzz_*.c is one fuzz target with a corpus folder of the
# same name under tests/fuzz/corpus/.

BUILD     ?= build
CC        ?= cc
PKGS      := sqlite3 libcurl libwebsockets jansson libsecp256k1 gsl libcrypto zlib \
             libmicrohttpd libsystemd
WARN      := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla -Wformat=2 -Werror
OPT       ?= -O2 -g
# core/ (the decision core, the hot loop of every shell) one level up when
# the rest is at -O2: bench_core's step is about 1.6 % faster at -O3 (side
# by side, bench/side_by_side.sh); the rest of the program gains nothing.
CORE_OPT  ?= $(if $(findstring -O2,$(OPT)),-O3)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
CPPFLAGS  += -D_GNU_SOURCE -I. -MMD -MP
CFLAGS    += $(WARN) $(OPT) $(SANFLAGS)
LDFLAGS   += $(SANFLAGS)
LDLIBS    += $(PKG_LIBS) -lm -lpthread

# What `pmcopy version` prints, passed to app/version.c alone: a new commit
# (or other flags) rewrites $(BUILD)/version.flags, which only that object
# depends on.
PMC_VERSION ?= 0.1.0
GIT_COMMIT := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BUILD_OPT := $(strip $(OPT))$(if $(CORE_OPT), (core/ $(strip $(CORE_OPT))))
VERSION_VALS := $(PMC_VERSION)|$(GIT_COMMIT)|$(CC)|$(BUILD_OPT)|$(strip $(SANFLAGS))
VERSION_DEFS := -DPMC_VERSION='"$(PMC_VERSION)"' \
    -DPMC_GIT_COMMIT='"$(GIT_COMMIT)"' -DPMC_BUILD_CC='"$(CC)"' \
    -DPMC_BUILD_OPT='"$(BUILD_OPT)"' -DPMC_BUILD_SAN='"$(strip $(SANFLAGS))"'

CORE_SRC  := $(sort $(wildcard core/*.c))
APP_SRC   := $(sort $(filter-out app/main.c,$(wildcard app/*.c)))
PROTO_SRC := $(sort $(wildcard proto/*.c proto/*/*.c))
LIVE_SRC  := $(sort $(wildcard live/*.c live/*/*.c))
SIM_SRC   := $(sort $(wildcard sim/*.c))
RES_SRC   := $(sort $(wildcard research/*.c research/*/*.c))
LIB_SRC   := $(CORE_SRC) $(PROTO_SRC) $(APP_SRC) $(LIVE_SRC) $(SIM_SRC) $(RES_SRC)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REG  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzzreg/%)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FAKE_SRC  := $(sort $(wildcard tests/fakes/*.c))
FAKE_BIN  := $(FAKE_SRC:tests/fakes/%.c=$(BUILD)/fakes/%)
PMCOPY    := $(BUILD)/pmcopy

.PHONY: all help deps check unit golden cli fuzz-regress purity layers asan bench demo \
        fuzz fuzz-long clean golden-bless format format-check install uninstall man deb valgrind soak FORCE
.DEFAULT_GOAL := all

all: $(PMCOPY)

help:
	@echo "make            build $(PMCOPY)"
	@echo "make deps       check for (and install) the Debian packages needed"
	@echo "make demo       deps + build + the default backtest; prints the report path"
	@echo "make check      deps + build + every test (unit, golden, cli, fuzz, purity, layers)"
	@echo "make asan       make check under AddressSanitizer + UBSan (build-asan/)"
	@echo "make valgrind   the unit binaries under valgrind"
	@echo "make soak       200 random crash trials of pmcopy live + 20 per kill point (long)"
	@echo "make bench      benchmarks (prints rates and ratios)"
	@echo "make fuzz       build libFuzzer targets (clang) into $(BUILD)/fuzz/"
	@echo "make fuzz-long  run every fuzz target to 10 M executions (FUZZ_SECONDS=N: N s each)"
	@echo "make golden-bless  rewrite scenario golden files (review the diff!)"
	@echo "make format-check  clang-format conformance"
	@echo "make install    install pmcopy into PREFIX (default /usr/local): binary,"
	@echo "                shared files, man pages, bash/zsh completion"
	@echo "make uninstall  remove what make install put there"
	@echo "make man        the man pages (from the --help texts) into build/gen/man"
	@echo "make deb        a Debian package build/pmcopy_VERSION_ARCH.deb"

deps:
	@sh tools/deps.sh

# core/ is held to -Wconversion as well, and built at CORE_OPT.
$(BUILD)/core/%.o: CFLAGS += -Wconversion $(CORE_OPT)
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

# GET / of the live API: live/dashboard.html as a list of byte values
# (od, no xxd needed), included by live/dashboard.c from the build folder.
# The page is ASCII (&#...; in HTML, \u.... in its script), so the values
# fit a char whether it is signed or not; another byte stops the build.
$(BUILD)/live/dashboard_page.inc: live/dashboard.html
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@od -An -v -tu1 $< | awk '{ for (i = 1; i <= NF; i++) { \
	    if ($$i > 127) { print "$<: byte " $$i " is not ASCII" > "/dev/stderr"; \
	    exit 1 } printf "%s,", $$i } print "" }' > $@.tmp && mv $@.tmp $@
$(BUILD)/live/dashboard.o $(BUILD)/fuzzobj/live/dashboard.o: \
    $(BUILD)/live/dashboard_page.inc
$(BUILD)/live/dashboard.o $(BUILD)/fuzzobj/live/dashboard.o: \
    PKG_CFLAGS += -I$(BUILD)/live

$(BUILD)/version.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION_VALS)' | cmp -s - $@ 2>/dev/null || \
	    echo '$(VERSION_VALS)' > $@
$(BUILD)/app/version.o: $(BUILD)/version.flags
$(BUILD)/app/version.o: CPPFLAGS += $(VERSION_DEFS)
FORCE:

$(BUILD)/libpmc.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(PMCOPY): $(BUILD)/app/main.o $(BUILD)/libpmc.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpmc.a
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Wno-missing-prototypes \
	    $(LDFLAGS) -o $@ $< $(BUILD)/libpmc.a $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/fuzzreg/%: tests/fuzz/%.c tests/fuzz/regress_main.c $(BUILD)/libpmc.a
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Wno-missing-prototypes \
	    $(LDFLAGS) -o $@ $< tests/fuzz/regress_main.c $(BUILD)/libpmc.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libpmc.a
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Wno-missing-prototypes \
	    $(LDFLAGS) -o $@ $< $(BUILD)/libpmc.a $(LDLIBS)

$(BUILD)/fakes/%: tests/fakes/%.c $(BUILD)/libpmc.a
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -Wno-missing-prototypes \
	    $(LDFLAGS) -o $@ $< $(BUILD)/libpmc.a $(LDLIBS)

# ---- tests ---------------------------------------------------------------

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(FUZZ_REG) $(FAKE_BIN)
	@$(MAKE) --no-print-directory unit golden cli fuzz-regress purity layers format-check

unit: $(UNIT_BIN) $(FAKE_BIN)
	@sh tests/run_unit.sh $(UNIT_BIN)

golden: $(PMCOPY)
	@sh tests/golden/run.sh $(PMCOPY)

# end-to-end command tests: each tests/cli/*.sh gets the binary as $$1
cli: $(PMCOPY)
	@sh tests/cli/run.sh $(PMCOPY)

golden-bless: $(PMCOPY)
	@BLESS=1 sh tests/golden/run.sh $(PMCOPY)

fuzz-regress: $(FUZZ_REG)
	@sh tests/fuzz/regress.sh $(BUILD)/fuzzreg

purity: $(CORE_OBJ)
	@sh tests/purity.sh $(CORE_OBJ)

# the one-way dependency rule and no call circles (docs/architecture.md)
layers: $(LIB_OBJ)
	@sh tests/layers.sh $(BUILD)

asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

valgrind: $(UNIT_BIN)
	@VALGRIND=1 sh tests/run_unit.sh $(UNIT_BIN)

# crash trials of `pmcopy live` against the fakes, printed as a table (not
# part of check; SOAK_TRIALS, SOAK_POINT_TRIALS, SOAK_JOBS scale it)
soak: deps
	@$(MAKE) --no-print-directory all $(FAKE_BIN)
	@sh tests/soak.sh $(PMCOPY)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN) $(FAKE_BIN)
	@sh bench/run.sh $(BUILD)

# libFuzzer targets: the library built once with clang (coverage
# instrumentation, ASan + UBSan) into $(BUILD)/fuzzobj/, each target linked
# against it.
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=address,undefined
FUZZ_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) -D_GNU_SOURCE -I. -MMD -MP $(PKG_CFLAGS) $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzzobj/libpmc.a: $(FUZZ_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzzobj/libpmc.a
	@mkdir -p $(@D)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer \
	    -o $@ $< $(BUILD)/fuzzobj/libpmc.a $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@echo "fuzz targets in $(BUILD)/fuzz/; run e.g. $(BUILD)/fuzz/fuzz_tape tests/fuzz/corpus/fuzz_tape"

# Every target until FUZZ_RUNS executions (or FUZZ_SECONDS seconds each
# when set), two at a time; new inputs merged into tests/fuzz/corpus/NAME,
# crashes kept there as crash-* regression files (tests/fuzz/long.sh).
FUZZ_RUNS ?= 10000000
FUZZ_SECONDS ?=
fuzz-long: $(FUZZ_BIN)
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    sh tests/fuzz/long.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@$(PMCOPY) backtest

# the binary, its shared files in PREFIX/share/pmcopy, the man pages and
# completion (written from the --help texts): tools/install.sh
PREFIX ?= /usr/local
install: $(PMCOPY)
	@sh tools/install.sh install $(PMCOPY) $(BUILD)/gen "$(DESTDIR)" $(PREFIX)
uninstall:
	@sh tools/install.sh uninstall $(PMCOPY) $(BUILD)/gen "$(DESTDIR)" $(PREFIX)
man: $(PMCOPY)
	@sh tools/man.sh $(PMCOPY) $(BUILD)/gen/man && echo "man pages: $(BUILD)/gen/man"
deb: $(PMCOPY)
	@sh tools/deb.sh $(PMCOPY) $(BUILD)

FORMAT_SRC = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && \
	    echo "format: 1 passed, 0 failed"

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
