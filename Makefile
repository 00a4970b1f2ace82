# llmz -- build, test, bench, model.
#   make            build ./llmz (with the embedded default model)
#   make test       build and run every test (unit, golden, CLI); prints "N passed, N failed"
#   make bench      ratio/speed table against gzip, bzip2, xz, zstd, brotli, zpaq (bench/)
#   make bench-lossy  lossy levels against baselines: bits per byte vs chrF and WER (bench/lossy.sh)
#   make model      retrain the default model from ../shared/corpus (hours on 2 cores; needs python3-torch)
#   make adapters   train the LoRA domain adapters (models/adapters/; about 10 minutes each on 2 cores)
#   make install    llmz, unllmz, llmzcat, libllmz.a, libllmz.so (soname libllmz.so.0), llmz.h, llmz.pc and
#                   llmz(1) under $(DESTDIR)$(PREFIX) (GNU directory variables: bindir, libdir, ...);
#                   make uninstall removes them
#   make deb        a Debian package of that install (BUILD/llmz_VERSION_ARCH.deb; dpkg -i installs it)
#   make asan-test  the test suite under AddressSanitizer + UndefinedBehaviorSanitizer (LLMZ_TEST_QUICK: fewer
#                   repeated configurations and smaller inputs in the slow tests and CLI scripts, each kind still once)
#   WERROR=1        (any target) the library's warnings are errors (CI builds; the tests always have -Werror)

# Builds use every CPU (at most 8) unless a -j is given (make -j1: one job at a time); not with clean, which must
# not run beside the targets it removes.
ifeq ($(filter -j%,$(MAKEFLAGS))$(filter clean distclean,$(MAKECMDGOALS)),)
MAKEFLAGS += -j$(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -le 8 ] && echo $$n || echo 8)
endif

CC      ?= cc
# Determinism (docs/determinism.md): no fast-math, no FP contraction, SSE2 floats on x86.
DETFLAGS = -ffp-contract=off -fno-fast-math -fno-associative-math -fno-reciprocal-math -frounding-math
WARN    = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wcast-qual -Wformat=2 \
          -Wpointer-arith -Wundef -Wno-unused-parameter
OPT     ?= -O2 -g
CFLAGS  ?=
# DETFLAGS come last so that a user's CFLAGS (even -ffast-math) cannot switch them off.
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) $(OBJ_WERROR) -pthread -Ilib $(CFLAGS) \
             $(DETFLAGS)
LDLIBS  = -pthread -lm
BUILD  ?= build

LIB_SRC   := $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_SIMD  := $(filter %_avx2.c %_avx512.c %_shani.c,$(LIB_SRC))
LIB_PLAIN := $(filter-out $(LIB_SIMD),$(LIB_SRC))
LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/lib/model/embed.o
CLI_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard cli/*.c)))
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TOOL_BIN  := $(BUILD)/tools/mktiny $(BUILD)/tools/mkindex
DEFAULT_MODEL ?= $(firstword $(wildcard models/default.gguf) tests/data/tiny.gguf)
# The previous default model, embedded too so that its archives still decode (models/README.md).
RETIRED_MODEL ?= $(wildcard models/llmz-default-v1.gguf)
# LoRA adapters for the default model, embedded in this order (at most 4; models/README.md, "Adapters").
ADAPTERS ?= $(wildcard models/adapters/c.gguf models/adapters/code.gguf models/adapters/docs.gguf models/adapters/data.gguf)

adapter_defs = $(if $(word 1,$(1)),-DLLMZ_ADAPTER0_PATH='"$(word 1,$(1))"') \
    $(if $(word 2,$(1)),-DLLMZ_ADAPTER1_PATH='"$(word 2,$(1))"') $(if $(word 3,$(1)),-DLLMZ_ADAPTER2_PATH='"$(word 3,$(1))"') \
    $(if $(word 4,$(1)),-DLLMZ_ADAPTER3_PATH='"$(word 4,$(1))"')

llmz: FORCE_COPY
.PHONY: FORCE_COPY all test unit-test cli-test asan-test bench bench-lossy bench-kernels model adapters clean tools \
        install uninstall shared deb
all: llmz

$(BUILD)/%_avx2.o: %_avx2.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -mavx2 -MMD -c $< -o $@
$(BUILD)/%_avx512.o: %_avx512.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -mavx2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni -MMD -c $< -o $@
$(BUILD)/%_shani.o: %_shani.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -msse4.1 -mssse3 -msha -MMD -c $< -o $@
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -c $< -o $@
# The default model is embedded with .incbin (lib/model/embed.S).
# the list of embedded files, rewritten only when it changes, so that removing an adapter rebuilds embed.o
$(BUILD)/embed.list: FORCE_COPY
	@mkdir -p $(BUILD)
	@echo '$(DEFAULT_MODEL) $(RETIRED_MODEL) $(ADAPTERS)' | cmp -s - $@ || echo '$(DEFAULT_MODEL) $(RETIRED_MODEL) $(ADAPTERS)' > $@
$(BUILD)/lib/model/embed.o: lib/model/embed.S $(DEFAULT_MODEL) $(RETIRED_MODEL) $(ADAPTERS) $(BUILD)/embed.list
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@ -DLLMZ_MODEL_PATH='"$(DEFAULT_MODEL)"' $(if $(RETIRED_MODEL),-DLLMZ_RETIRED_PATH='"$(RETIRED_MODEL)"') \
	    $(call adapter_defs,$(ADAPTERS))

$(BUILD)/libllmz.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/llmz: $(CLI_OBJ) $(BUILD)/libllmz.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libllmz.a $(LDLIBS)

llmz: $(BUILD)/llmz
	cp $(BUILD)/llmz $@.tmp && mv -f $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(BUILD)/libllmz.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Werror -Itests/unit -o $@ $< $(BUILD)/libllmz.a $(LDLIBS)

# the streaming API's example program (docs/streaming.md) is compiled into its test, so that it cannot rot
$(BUILD)/tests/test_example_stream: docs/examples/stream.c

$(BUILD)/tools/%: tools/%.c $(BUILD)/libllmz.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libllmz.a $(LDLIBS)

tools: $(TOOL_BIN)

test: $(BUILD)/llmz $(TEST_BIN) $(TOOL_BIN)
	@BUILD=$(BUILD) sh tests/run.sh

asan-test:
	LLMZ_TEST_QUICK=1 $(MAKE) BUILD=build-asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDLIBS="-pthread -lm -fsanitize=address,undefined" test

bench: llmz
	sh bench/run.sh

# lossy mode against its baselines: rate (bits per byte) and distortion (chrF, WER); bench/results/lossy.*
bench-lossy: $(BUILD)/llmz $(BUILD)/tools/lossy_baseline
	LLMZ=$(BUILD)/llmz LOSSY_BASELINE=$(BUILD)/tools/lossy_baseline sh bench/lossy.sh

bench-kernels: $(BUILD)/tools/bench_kernels
	$(BUILD)/tools/bench_kernels

model:
	sh tools/train/make_model.sh

# LoRA domain adapters for the default model (long-running; tools/train/make_adapters.sh)
adapters:
	sh tools/train/make_adapters.sh

# ---- install: the GNU directory variables; DESTDIR for staging -------------------------------------------
PREFIX      ?= /usr/local
prefix      ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir      ?= $(exec_prefix)/bin
libdir      ?= $(exec_prefix)/lib
includedir  ?= $(prefix)/include
datarootdir ?= $(prefix)/share
mandir      ?= $(datarootdir)/man
man1dir     ?= $(mandir)/man1
pkgconfigdir ?= $(libdir)/pkgconfig
INSTALL     ?= install
SOVERSION    = 0
SONAME       = libllmz.so.$(SOVERSION)
SOLIB        = libllmz.so.$(LLMZ_VERSION)
LLMZ_VERSION := $(shell sed -n 's/^\#define LLMZ_VERSION_STRING  *"\(.*\)"/\1/p' lib/llmz.h)

# The shared library: the library's sources again as position-independent code, exporting only the functions
# lib/llmz.h declares (a version script made from the header).
PIC_OBJ := $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRC)) $(BUILD)/lib/model/embed.o
WERROR ?= 0
$(LIB_OBJ) $(PIC_OBJ): OBJ_WERROR = $(if $(filter 1,$(WERROR)),-Werror)
$(BUILD)/pic/%_avx2.o: %_avx2.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -mavx2 -MMD -c $< -o $@
$(BUILD)/pic/%_avx512.o: %_avx512.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -mavx2 -mavx512f -mavx512bw -mavx512vl -mavx512vnni -MMD -c $< -o $@
$(BUILD)/pic/%_shani.o: %_shani.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -msse4.1 -mssse3 -msha -MMD -c $< -o $@
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -c $< -o $@
$(BUILD)/llmz.map: lib/llmz.h
	@mkdir -p $(BUILD)
	{ echo '{ global:'; grep -o '\bllmz_[a-z0-9_]*(' lib/llmz.h | tr -d '(' | sort -u | sed 's/$$/;/'; \
	  echo 'local: *; };'; } > $@
$(BUILD)/$(SOLIB): $(PIC_OBJ) $(BUILD)/llmz.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,$(BUILD)/llmz.map -Wl,-z,noexecstack \
	  -o $@ $(PIC_OBJ) $(LDLIBS)
$(BUILD)/llmz.pc: lib/llmz.pc.in lib/llmz.h
	sed -e 's|@prefix@|$(prefix)|; s|@libdir@|$(libdir)|; s|@includedir@|$(includedir)|; s|@version@|$(LLMZ_VERSION)|' \
	  lib/llmz.pc.in > $@
shared: $(BUILD)/$(SOLIB)
# the Python module's tests (tests/cli/python.sh) load the shared library
test: $(BUILD)/$(SOLIB)

install: $(BUILD)/llmz $(BUILD)/libllmz.a $(BUILD)/$(SOLIB) $(BUILD)/llmz.pc
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) $(DESTDIR)$(man1dir) \
	  $(DESTDIR)$(pkgconfigdir)
	$(INSTALL) -m 755 $(BUILD)/llmz $(DESTDIR)$(bindir)/llmz
	ln -sf llmz $(DESTDIR)$(bindir)/unllmz
	ln -sf llmz $(DESTDIR)$(bindir)/llmzcat
	$(INSTALL) -m 644 $(BUILD)/libllmz.a $(DESTDIR)$(libdir)/libllmz.a
	$(INSTALL) -m 755 $(BUILD)/$(SOLIB) $(DESTDIR)$(libdir)/$(SOLIB)
	ln -sf $(SOLIB) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libllmz.so
	$(INSTALL) -m 644 lib/llmz.h $(DESTDIR)$(includedir)/llmz.h
	$(INSTALL) -m 644 $(BUILD)/llmz.pc $(DESTDIR)$(pkgconfigdir)/llmz.pc
	$(INSTALL) -m 644 docs/llmz.1 $(DESTDIR)$(man1dir)/llmz.1
	ln -sf llmz.1 $(DESTDIR)$(man1dir)/unllmz.1
	ln -sf llmz.1 $(DESTDIR)$(man1dir)/llmzcat.1

uninstall:
	rm -f $(DESTDIR)$(bindir)/llmz $(DESTDIR)$(bindir)/unllmz $(DESTDIR)$(bindir)/llmzcat \
	  $(DESTDIR)$(libdir)/libllmz.a $(DESTDIR)$(libdir)/$(SOLIB) $(DESTDIR)$(libdir)/$(SONAME) \
	  $(DESTDIR)$(libdir)/libllmz.so $(DESTDIR)$(includedir)/llmz.h $(DESTDIR)$(pkgconfigdir)/llmz.pc \
	  $(DESTDIR)$(man1dir)/llmz.1 $(DESTDIR)$(man1dir)/unllmz.1 $(DESTDIR)$(man1dir)/llmzcat.1

# A binary package of `make install` with PREFIX=/usr, built with dpkg-deb (no debhelper needed).
DEB_ARCH    = $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB         = $(BUILD)/llmz_$(LLMZ_VERSION)_$(DEB_ARCH).deb
deb: $(BUILD)/llmz $(BUILD)/libllmz.a $(BUILD)/$(SOLIB)
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory BUILD=$(BUILD) PREFIX=/usr DESTDIR=$(CURDIR)/$(BUILD)/deb install
	$(INSTALL) -d $(BUILD)/deb/DEBIAN $(BUILD)/deb/usr/share/doc/llmz
	$(INSTALL) -m 644 LICENSE $(BUILD)/deb/usr/share/doc/llmz/copyright
	gzip -9n $(BUILD)/deb/usr/share/man/man1/llmz.1
	ln -sf llmz.1.gz $(BUILD)/deb/usr/share/man/man1/unllmz.1.gz
	ln -sf llmz.1.gz $(BUILD)/deb/usr/share/man/man1/llmzcat.1.gz
	rm -f $(BUILD)/deb/usr/share/man/man1/unllmz.1 $(BUILD)/deb/usr/share/man/man1/llmzcat.1
	sed -e 's|@version@|$(LLMZ_VERSION)|; s|@arch@|$(DEB_ARCH)|' \
	    -e "s|@size@|$$(du -sk $(BUILD)/deb/usr | cut -f1)|" packaging/control.in > $(BUILD)/deb/DEBIAN/control
	dpkg-deb --root-owner-group --build $(BUILD)/deb $(DEB)

clean:
	rm -rf build build-asan llmz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(PIC_OBJ:.o=.d)
# headers that moved to lib/numerics/ (issue 19): dependency files of older builds still name them
lib/model/kernels.h lib/common/detmath.h:

# ---- reliability: fuzzing (clang + libFuzzer) and ThreadSanitizer ----------------------------------------
#   make fuzz          build the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan) and run each for
#                      FUZZ_SECONDS (default 60); crashes are saved into tests/fuzz/crashes/<target>/ to commit
#   make fuzz-long     the fast decompression target (decode_fast) for FUZZ_SECONDS (here default 3600)
#   make fuzz-regress  replay tests/fuzz/corpus and tests/fuzz/crashes without libFuzzer (make test does too)
#   make tsan-test     test_threads, test_roundtrip and test_transformer (thread teams) under ThreadSanitizer
#   make tsan-quick    the part of it CI runs (test_threads, test_transformer; a threaded case of test_roundtrip)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build/fuzz
FUZZ_TARGETS ?= frame decompress decode_fast archive gguf roundtrip
FUZZ_LONG_TARGETS ?= decode_fast
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_BUILD   ?= build/tsan
.PHONY: fuzz fuzz-long fuzz-build fuzz-regress tsan-test tsan-quick

# the replay driver #includes the fuzz targets
$(BUILD)/tests/test_fuzz_regress: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

# The model's numerics go uninstrumented for coverage (tests/fuzz/coverage-ignore.txt); the online and byte models,
# the coder and the predictor keep their edge coverage but not libFuzzer's comparison tracing, which costs a call per
# loop bound there and finds nothing to solve (the values they compare come from arithmetic, not from the input's
# bytes): the frame, certificate, GGUF and decompression code keeps all of it (fuzz_decode_fast: 30% faster)
FUZZ_NO_CMP = lib/adapt/% lib/cm/% lib/coder/% lib/engine/batch lib/engine/predictor lib/engine/score
$(addprefix $(FUZZ_BUILD)/,$(addsuffix .o,$(FUZZ_NO_CMP))): CFLAGS += -fno-sanitize-coverage=trace-cmp

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt \
	  -DLLMZ_FUZZ_BIG_CACHE" \
	  $(FUZZ_BUILD)/libllmz.a
	for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g $(DETFLAGS) $(WARN) -pthread -Ilib \
	    $(FUZZ_SAN) -fsanitize=fuzzer -o $(FUZZ_BUILD)/fuzz_$$t tests/fuzz/fuzz_$$t.c $(FUZZ_BUILD)/libllmz.a \
	    $(LDLIBS) || exit 1; \
	done

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# the long run of the fast decompression target (tests/fuzz/README.md): an hour unless FUZZ_SECONDS says
fuzz-long:
	$(MAKE) fuzz FUZZ_TARGETS="$(FUZZ_LONG_TARGETS)" FUZZ_SECONDS=$(if $(filter file,$(origin FUZZ_SECONDS)),3600,$(FUZZ_SECONDS))

fuzz-regress: $(BUILD)/tests/test_fuzz_regress
	$(BUILD)/tests/test_fuzz_regress

TSAN_MAKE = $(MAKE) BUILD=$(TSAN_BUILD) OPT="-O2 -g -fsanitize=thread" LDLIBS="-pthread -lm -fsanitize=thread"
TSAN_RUN  = TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)"
tsan-test:
	$(TSAN_MAKE) $(TSAN_BUILD)/tests/test_threads $(TSAN_BUILD)/tests/test_roundtrip $(TSAN_BUILD)/tests/test_transformer
	$(TSAN_RUN) $(TSAN_BUILD)/tests/test_threads
	$(TSAN_RUN) $(TSAN_BUILD)/tests/test_transformer
	$(TSAN_RUN) $(TSAN_BUILD)/tests/test_roundtrip
# CI's share of it: test_threads, test_transformer, and test_roundtrip's cases TSAN_QUICK_CASES with
# LLMZ_TEST_QUICK (under TSan on 2 cores: same_bytes 76 s, groups 314 s, all of test_roundtrip over 13 minutes)
TSAN_QUICK_CASES ?= same_bytes
tsan-quick:
	$(TSAN_MAKE) $(TSAN_BUILD)/tests/test_threads $(TSAN_BUILD)/tests/test_transformer $(TSAN_BUILD)/tests/test_roundtrip
	$(TSAN_RUN) $(TSAN_BUILD)/tests/test_threads
	$(TSAN_RUN) $(TSAN_BUILD)/tests/test_transformer
	$(TSAN_RUN) LLMZ_TEST_QUICK=1 $(TSAN_BUILD)/tests/test_roundtrip $(TSAN_QUICK_CASES)

# ---- xcheck: llmz against llama.cpp on the same GGUF files (docs/xcheck.md); not part of make test ----------
#   make xcheck XCHECK_DIR=DIR   DIR holds node_modules/node-llama-cpp (npm i -E node-llama-cpp@3.21.1) and
#                                llama.cpp/build/bin/llama-quantize (or LLAMA_QUANTIZE=PATH); skips without them
#                                then tools/xcheck/variants.sh: qwen2, llama3, biases against llama.cpp
#   make xcheck-speed XCHECK_DIR=DIR   the speed table on the 135M-shaped Q8_0 file that make xcheck writes
# The tools are built with `make tools` and `make test` (tests/cli/xcheck.sh checks them without llama.cpp).
XCHECK_TOOLS := $(BUILD)/tools/xcheck/lmdump $(BUILD)/tools/xcheck/mkshape
XCHECK_DIR ?=
LLAMA_QUANTIZE ?=
.PHONY: xcheck xcheck-speed
tools test: $(XCHECK_TOOLS)
xcheck: $(BUILD)/llmz $(BUILD)/tools/mktiny $(XCHECK_TOOLS)
	BUILD=$(BUILD) XCHECK_DIR="$(XCHECK_DIR)" LLAMA_QUANTIZE="$(LLAMA_QUANTIZE)" sh tools/xcheck/run.sh
	BUILD=$(BUILD) XCHECK_DIR="$(XCHECK_DIR)" sh tools/xcheck/variants.sh
xcheck-speed: $(BUILD)/llmz $(XCHECK_TOOLS)
	BUILD=$(BUILD) XCHECK_DIR="$(XCHECK_DIR)" sh tools/xcheck/speed.sh
