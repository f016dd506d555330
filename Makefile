# svcnet build. One binary; every .c under src/ except src/cmd/main.c goes
# into a static archive that the binary, the unit tests and the fuzzers link.
#
#   make            build ./svcnet (release, -O2 -g)
#   make test       install deps, build, unit tier, ASan+UBSan unit tier,
#                   fuzz smoke runs, integration tier
#   make run        start the server on the embedded store (see README)
#   make asan       ASan+UBSan build in build/asan
#   make fuzz       libFuzzer targets in build/fuzz
#   make format     clang-format every source file

CC      ?= gcc
# The test runner's summary must stay the last line of `make test`.
MAKEFLAGS += --no-print-directory
PKGS    := openssl sqlite3 jansson yaml-0.1 libmnl libnftables libnetfilter_conntrack
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc $(PKG_CFLAGS)
OPT     ?= -O2 -g
LDLIBS  := $(PKG_LIBS) -lm -lpthread

BUILD   ?= build/release
NPROC   := $(shell nproc 2>/dev/null || echo 2)
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS  := $(CFLAGS_BASE) $(OPT) $(EXTRA_CFLAGS)

LIB_SRC  := $(shell find src -name '*.c' ! -path 'src/cmd/main.c' | sort)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/cmd/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
DEPS     := $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

.PHONY: all clean test unit asan asan-unit asan-integration valgrind fuzz fuzz-smoke integration run format deps bench

all: svcnet

svcnet: $(BUILD)/svcnet
	@if [ "$(BUILD)" = build/release ]; then cp $(BUILD)/svcnet svcnet; fi

$(BUILD)/svcnet: $(MAIN_OBJ) $(BUILD)/libsvcnet.a
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libsvcnet.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/unit: $(UNIT_OBJ) $(BUILD)/libsvcnet.a
	$(CC) $(CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(DEPS)
include mk/tools.mk
include mk/vm.mk

# Objects are kept (no "rm" of intermediates after the summary line).
.SECONDARY:

deps:
	./scripts/install-deps

unit: $(BUILD)/unit
	$(BUILD)/unit

asan:
	$(MAKE) -j$(NPROC) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		build/asan/svcnet build/asan/unit build/asan/informer-tool

asan-unit: asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/unit

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	$(MAKE) -j$(NPROC) BUILD=build/fuzzlib CC=clang OPT="-O1 -g" \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" build/fuzzlib/libsvcnet.a
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		echo "  FUZZ $$n"; \
		clang $(CFLAGS_BASE) -O1 -g -fsanitize=fuzzer,address,undefined -o build/fuzz/$$n $$f \
			build/fuzzlib/libsvcnet.a $(LDLIBS) || exit 1; \
	done

# A bounded run of every fuzzer (fixed iterations), seeded from tests/fuzz/corpus/<name>.
fuzz-smoke: fuzz
	./scripts/fuzz-smoke

# The release pass leaves out the proxy scenario suite (test_proxy.py): it
# runs in every mode against the ASan+UBSan build (asan-integration), costs
# about 2.5 minutes a mode, and the release binary's proxy still carries the
# traffic of the sandbox, DNS and userspace tests here. PX_MODES=nftables (or
# a list) runs it in those modes too.
PX_MODES ?=
integration: svcnet tools
	$(if $(PX_MODES),SVCNET_PX_MODES=$(PX_MODES)) ./scripts/run-integration tests/integration \
		$(if $(PX_MODES),,--ignore=tests/integration/test_proxy.py)

# The whole integration tier against the server built with ASan+UBSan; a
# sanitizer report in a server's log (leaks are reported at exit) fails the
# test that started it.
asan-integration: asan
	SVCNET_BIN=$(CURDIR)/build/asan/svcnet SVCNET_SANITIZED=1 \
		SVCNET_INFORMER_TOOL=$(CURDIR)/build/asan/informer-tool \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 ./scripts/run-integration

# The unit tier under valgrind: no leaks, no invalid accesses.
valgrind: $(BUILD)/unit
	valgrind -q --suppressions=tests/unit/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=3 \
		$(BUILD)/unit

test: deps
	$(MAKE) -j$(NPROC) svcnet build/release/unit
	$(MAKE) unit
	$(MAKE) asan-unit
	$(MAKE) valgrind
	$(MAKE) fuzz-smoke
	$(MAKE) test-vm
	$(MAKE) asan-integration
	$(MAKE) integration

run: deps svcnet
	./scripts/run-demo

bench: svcnet
	./bench/api/run
	./bench/pods/run
	./bench/proxy/run
	./bench/dns/run

format:
	clang-format -i $$(find src tests bench -name '*.[ch]')

clean:
	rm -rf build svcnet
