# edd - Extending Defensive Distillation, on the CPU.
# `make` builds the engine, build/libedd.a and build/libedd.so (core, data,
# nn, simd, attacks, defense, eval); the study, src/experiments/, as
# build/libedd-repro.a, a static archive linked into ./edd and the tests
# only, never installed; the edd(1) man page and ./edd. `make install`
# installs ./edd, the engine and its headers (include/edd.h,
# include/edd/*.h) with edd.pc, and in PREFIX/share/edd the data files:
# the script `edd fetch-data` runs and python/edd_model.py, and the Python
# binding python/edd/ into PYDIR (PREFIX/lib/python3/dist-packages, where
# it finds PREFIX/lib/libedd.so.0); `make test` runs the Criterion suite.

CC      ?= gcc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2
# -Wvla: no variable-length array, on a worker thread's stack or anywhere else.
BASEFLAGS = -std=c11 -D_GNU_SOURCE -march=x86-64-v2 -fopenmp -Wall -Wextra -Wshadow -Wvla -Iinclude -Isimd -MMD -MP
AVX2FLAGS = -mavx2 -mfma
# The scalar twins must round exactly as written: no fused multiply-adds.
SCALARFLAGS = -ffp-contract=off
LDLIBS  = -ldnnl -lz -lm
# One version, include/edd/core.h's; the soname carries its major number.
VERSION := $(shell sed -n 's/^\#define EDD_VERSION "\(.*\)"/\1/p' include/edd/core.h)
SONAME  := libedd.so.$(firstword $(subst ., ,$(VERSION)))
SHLIB   := build/libedd.so.$(VERSION)
TEST_THREADS ?= 1
TEST_JOBS ?= 2

# MPI: `make MPI=1` builds ./edd with the MPI mode of `edd reproduce`
# (src/experiments/mpi.c, Open MPI's compile and link flags from mpicc);
# `make MPI=0` without it; with no MPI= given, it is on when mpicc is found.
# Only ./edd links MPI: libedd, the tests, the sanitize and fuzz builds
# never do.
MPICC ?= mpicc
ifeq ($(origin MPI),undefined)
MPI := $(if $(shell command -v $(MPICC) 2>/dev/null),1,0)
endif
MPI_SRC := src/experiments/mpi.c
ifeq ($(MPI),1)
MPI_CFLAGS := -DEDD_MPI $(shell $(MPICC) --showme:compile)
MPI_LIBS   := $(shell $(MPICC) --showme:link)
MPI_OBJ    := build/src/experiments/mpi.o
endif

LIB_SRC   := $(sort $(wildcard src/core/*.c src/data/*.c src/nn/*.c src/defense/*.c src/attacks/*.c src/eval/*.c))
REPRO_SRC := $(filter-out $(MPI_SRC),$(sort $(wildcard src/experiments/*.c)))
SIMD_SRC  := $(sort $(wildcard simd/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))

LIB_OBJ   := $(LIB_SRC:%.c=build/%.o) $(SIMD_SRC:%.c=build/%.o)
REPRO_OBJ := $(REPRO_SRC:%.c=build/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=build/%.o)
TEST_OBJ  := $(TEST_SRC:%.c=build/%.o)
BENCH_BIN := $(BENCH_SRC:bench/%.c=build/bench/%)

# Library objects go into libedd.a and libedd.so alike, so all are
# position-independent; and hidden, but for the declarations marked EDD_API
# (include/edd/core.h), so that libedd.so exports only edd_* names
# (tests/symbols_test.sh).
$(LIB_OBJ): LIBFLAGS = -fPIC -fvisibility=hidden

# The study's header, src/experiments/experiments.h, is seen by the study,
# the CLI and the tests; never by the engine.
STUDY_INC = -Isrc/experiments
$(REPRO_OBJ) $(CLI_OBJ) $(TEST_OBJ) $(MPI_OBJ): STUDYFLAGS = $(STUDY_INC)

.DEFAULT_GOAL := all

# The CLI's objects are compiled for one MPI setting; build/mpi.stamp
# changes with it, so that switching MPI= rebuilds them.
$(CLI_OBJ) $(MPI_OBJ): MPIFLAGS = $(MPI_CFLAGS)
$(CLI_OBJ) $(MPI_OBJ): build/mpi.stamp
build/mpi.stamp: FORCE
	@mkdir -p $(@D)
	@echo "$(MPI) $(MPI_CFLAGS)" | cmp -s - $@ || echo "$(MPI) $(MPI_CFLAGS)" > $@

.PHONY: all test check lint tables tables-check sanitize bench bench-check bench-save reproduce deps data install clean fuzz fuzz-long FORCE
all: edd build/libedd.a $(SHLIB) build/libedd.so build/libedd-repro.a build/edd.1

build/%_avx2.o: %_avx2.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LIBFLAGS) $(CFLAGS) $(AVX2FLAGS) -c $< -o $@

build/simd/%.o: simd/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LIBFLAGS) $(CFLAGS) $(SCALARFLAGS) -c $< -o $@

build/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LIBFLAGS) $(STUDYFLAGS) $(CFLAGS) $(MPIFLAGS) -c $< -o $@

build/libedd.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# --no-undefined: the engine calls nothing of the study's.
$(SHLIB): $(LIB_OBJ)
	$(CC) -shared -fopenmp -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(LDLIBS)

build/libedd-repro.a: $(REPRO_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/libedd.so: $(SHLIB)
	ln -sf $(notdir $(SHLIB)) build/$(SONAME)
	ln -sf $(SONAME) $@

# The man page: `edd --help` and each `edd CMD --help`, with the sections
# scripts/man.sh writes (exit status, environment, files, examples).
build/edd.1: edd scripts/man.sh
	bash scripts/man.sh ./edd > $@.tmp && mv $@.tmp $@

edd: $(CLI_OBJ) $(MPI_OBJ) build/libedd-repro.a build/libedd.a
	$(CC) -fopenmp -o $@ $(CLI_OBJ) $(MPI_OBJ) build/libedd-repro.a build/libedd.a $(LDLIBS) $(MPI_LIBS)

build/edd_tests: $(TEST_OBJ) build/libedd-repro.a build/libedd.a
	$(CC) -fopenmp -o $@ $(TEST_OBJ) build/libedd-repro.a build/libedd.a $(LDLIBS) -lcriterion

build/bench/%: bench/%.c build/libedd.a
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< build/libedd.a $(LDLIBS)

# Each Criterion worker gets TEST_THREADS OpenMP threads, so that TEST_JOBS
# parallel workers don't oversubscribe the cores. Tests that compare thread
# counts set them themselves.
# `make test` does the whole set-up (deps, data, build) first, so that it is
# one of the README's two commands on a fresh machine. Then the engine
# against PyTorch on the same weights (K=10 and K=11), the unit tests of
# scripts/bench-compare and of scripts/worst-case.py, APGD, APGD-T and
# Square against their PyTorch reference (tests/attack_reference_test.py,
# about 90 s), the Python binding (tests/python_binding_test.py), an
# install into a temporary DESTDIR with the examples built against it, and last the Criterion suite, whose synthesis line ends the
# output.
test:
	@$(MAKE) --no-print-directory deps data
	@$(MAKE) --no-print-directory build/edd_tests edd
	@$(MAKE) --no-print-directory check

# The tests' plan choices (src/nn/plan_choice.c) go to a cache of their own,
# measured on the first plan of each kind and batch size, not the user's.
check sanitize: export XDG_CACHE_HOME := $(CURDIR)/build/cache

check: build/edd_tests edd build/libedd.so build/libedd-repro.a lint tables-check
	@mkdir -p build/ref
	bash tests/symbols_test.sh build/libedd.so build/libedd-repro.a build/libedd.a
	/usr/bin/python3 tests/quick_time_test.py ./edd
	OMP_NUM_THREADS=2 ./edd train --data mnist --out build/ref/t.edd --train-limit 512 --epochs 1 --quiet >/dev/null
	OMP_NUM_THREADS=2 ./edd distill --teacher build/ref/t.edd --data mnist --out build/ref/d.edd --train-limit 256 --passes 3 --epochs 1 --quiet >/dev/null
	EDD_DATA_DIR=$(CURDIR)/data /usr/bin/python3 tests/torch_reference.py ./edd build/ref/t.edd build/ref/t
	EDD_DATA_DIR=$(CURDIR)/data /usr/bin/python3 tests/torch_reference.py ./edd build/ref/d.edd build/ref/d
	OMP_NUM_THREADS=2 EDD=./edd EDD_DATA_DIR=$(CURDIR)/data /usr/bin/python3 -m unittest discover -q -s tests -p import_test.py
	/usr/bin/python3 -m unittest discover -q -s tests -p 'bench_*_test.py'
	OMP_NUM_THREADS=2 EDD_DATA_DIR=$(CURDIR)/data /usr/bin/python3 -m unittest discover -q -s tests -p worst_case_test.py
	OMP_NUM_THREADS=2 EDD_DATA_DIR=$(CURDIR)/data /usr/bin/python3 -m unittest discover -q -s tests -p attack_reference_test.py
	OMP_NUM_THREADS=2 EDD=./edd EDD_DATA_DIR=$(CURDIR)/data /usr/bin/python3 -m unittest discover -q -s tests -p python_binding_test.py
	bash tests/install_test.sh
	OMP_NUM_THREADS=$(TEST_THREADS) EDD_DATA_DIR=$(CURDIR)/data build/edd_tests --jobs $(TEST_JOBS)

# `make lint` (scripts/lint.py): no file over 500 lines, no function over
# 80, no path or edd_*/repro_* symbol named in docs/ or a comment that does
# not exist, every .c file in docs/ARCHITECTURE.md's layer table, and no
# file of the study (src/experiments/) or the CLI (src/cli/) including a
# header that is not the engine's public one (include/edd/internal/, say)
# or the program's own.
lint:
	/usr/bin/python3 scripts/lint.py

# The result tables of README.md and docs/*.md, between edd-table markers,
# against the committed CSVs they are generated from (scripts/tables.py):
# `make tables` rewrites them, `make tables-check` fails on a difference.
tables:
	/usr/bin/python3 scripts/tables.py --write

# Every committed --seeds run's seeds.csv is recomputed from its seeds' CSVs.
tables-check:
	/usr/bin/python3 scripts/tables.py --check
	/usr/bin/python3 scripts/numbers_check.py
	/usr/bin/python3 tests/numbers_check_test.py
	@for d in docs/results/*/; do [ ! -f "$$d/seeds.csv" ] || /usr/bin/python3 scripts/seeds-check.py "$${d%/}" || exit 1; done

# `make sanitize`: the library, ./edd and the Criterion suite again under
# AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer, in
# build-san/ so that build/ is untouched, then the suite (its CLI tests run
# the sanitized edd through EDD_BIN) and the PyTorch reference check.
# Reports of every process, forked or spawned, go to build-san/logs/; any
# report fails the target. tests/sanitizers.supp says what is suppressed
# and why.
SAN       = build-san
SANFLAGS  = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_CFLAGS ?= -O1 -g
SAN_LIB_OBJ  := $(LIB_OBJ:build/%=$(SAN)/%)
SAN_REPRO_OBJ := $(REPRO_OBJ:build/%=$(SAN)/%)
SAN_CLI_OBJ  := $(CLI_OBJ:build/%=$(SAN)/%)
SAN_TEST_OBJ := $(TEST_OBJ:build/%=$(SAN)/%)
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:exitcode=86:log_path=$(CURDIR)/$(SAN)/logs/asan \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$(CURDIR)/$(SAN)/logs/ubsan \
	EDD_BIN=$(CURDIR)/$(SAN)/edd EDD_DATA_DIR=$(CURDIR)/data

$(SAN)/%_avx2.o: %_avx2.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(SANFLAGS) $(SAN_CFLAGS) $(AVX2FLAGS) -c $< -o $@

$(SAN)/simd/%.o: simd/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(SANFLAGS) $(SAN_CFLAGS) $(SCALARFLAGS) -c $< -o $@

$(SAN_REPRO_OBJ) $(SAN_CLI_OBJ) $(SAN_TEST_OBJ): STUDYFLAGS = $(STUDY_INC)
$(SAN)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(STUDYFLAGS) $(SANFLAGS) $(SAN_CFLAGS) -c $< -o $@

$(SAN)/libedd.a: $(SAN_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(SAN)/libedd-repro.a: $(SAN_REPRO_OBJ)
	rm -f $@ && ar rcs $@ $^

$(SAN)/edd: $(SAN_CLI_OBJ) $(SAN)/libedd-repro.a $(SAN)/libedd.a
	$(CC) $(SANFLAGS) -fopenmp -o $@ $(SAN_CLI_OBJ) $(SAN)/libedd-repro.a $(SAN)/libedd.a $(LDLIBS)

$(SAN)/edd_tests: $(SAN_TEST_OBJ) $(SAN)/libedd-repro.a $(SAN)/libedd.a
	$(CC) $(SANFLAGS) -fopenmp -o $@ $(SAN_TEST_OBJ) $(SAN)/libedd-repro.a $(SAN)/libedd.a $(LDLIBS) -lcriterion

sanitize: $(SAN)/edd_tests $(SAN)/edd | data
	@rm -rf $(SAN)/logs $(SAN)/ref && mkdir -p $(SAN)/logs $(SAN)/ref
	$(SAN_ENV) OMP_NUM_THREADS=2 $(SAN)/edd train --data mnist --out $(SAN)/ref/t.edd --train-limit 512 --epochs 1 --quiet >/dev/null
	$(SAN_ENV) OMP_NUM_THREADS=2 $(SAN)/edd distill --teacher $(SAN)/ref/t.edd --data mnist --out $(SAN)/ref/d.edd --train-limit 256 --passes 3 --epochs 1 --quiet >/dev/null
	$(SAN_ENV) /usr/bin/python3 tests/torch_reference.py $(SAN)/edd $(SAN)/ref/t.edd $(SAN)/ref/t
	$(SAN_ENV) /usr/bin/python3 tests/torch_reference.py $(SAN)/edd $(SAN)/ref/d.edd $(SAN)/ref/d
	$(SAN_ENV) OMP_NUM_THREADS=$(TEST_THREADS) $(SAN)/edd_tests --jobs $(TEST_JOBS) || { cat $(SAN)/logs/* 2>/dev/null; exit 1; }
	@if ls $(SAN)/logs/* >/dev/null 2>&1; then cat $(SAN)/logs/*; echo "sanitize: reports above"; exit 1; fi

bench: $(BENCH_BIN) data
	@for b in $(BENCH_BIN); do echo "== $$b"; EDD_DATA_DIR=$(CURDIR)/data $$b || exit 1; done

# The CI performance gate (scripts/bench-check.py): every bench in quick mode
# under a time budget, ratios against generous bounds, the attacks' cost per
# example native against capped at AVX2. jsma attacks one saved model in both
# of its runs (briefly trained: 1 epoch on 2000 MNIST images).
BENCH_MODEL = build/bench/jsma-model.edd
$(BENCH_MODEL): edd | data
	@mkdir -p $(@D)
	OMP_NUM_THREADS=2 ./edd train --data mnist --out $@ --train-limit 2000 --epochs 1 --quiet >/dev/null

bench-check: $(BENCH_BIN) $(BENCH_MODEL) data
	EDD_DATA_DIR=$(CURDIR)/data EDD_BENCH_MODEL=$(BENCH_MODEL) /usr/bin/python3 scripts/bench-check.py build

# Figures to compare with scripts/bench-compare: the best of BENCH_REPEATS
# quick runs of every bench, with the machine's CPU, ISA flags, oneDNN and threads.
BENCH_SAVE ?= build/bench/figures.json
BENCH_REPEATS ?= 3
bench-save: $(BENCH_BIN) $(BENCH_MODEL) data
	EDD_DATA_DIR=$(CURDIR)/data EDD_BENCH_MODEL=$(BENCH_MODEL) /usr/bin/python3 scripts/bench-check.py build --save $(BENCH_SAVE) --repeats $(BENCH_REPEATS)

# libFuzzer targets (tests/fuzz/README.md) for every reader of outside
# bytes, built with clang and ASan+UBSan: the library's and the CLI's
# sources are compiled once more into build/fuzz/libedd-fuzz.a (with
# coverage for libFuzzer), so the library's own objects stay gcc's, and each
# target links what it calls from that archive. `make fuzz` runs each for
# FUZZ_SECONDS from its seed corpus (read-only: new inputs go to
# build/fuzz/corpus/); an input that crashes is kept in
# tests/fuzz/corpus/TARGET/ as a regression case and the target fails.
# `make fuzz-long` is the same at FUZZ_LONG_SECONDS each (10 minutes; not in
# CI). Each run's counts per target are in build/fuzz/summary.txt.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 600
FUZZ_FLAGS   = -std=c11 -D_GNU_SOURCE -fopenmp -g -O1 -fno-omit-frame-pointer -Wno-pass-failed \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude -Isimd
FUZZ_TARGETS := idx npy model manifest cli csv times report std_block
FUZZ_BIN     := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
FUZZ_OBJ     := $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC) $(SIMD_SRC) $(REPRO_SRC) $(filter-out src/cli/main.c,$(CLI_SRC)))
$(patsubst %.c,build/fuzz/%.o,$(REPRO_SRC) $(CLI_SRC)): STUDYFLAGS = $(STUDY_INC)
build/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(STUDYFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
# The AVX2 twins need -mavx2 -mfma, as in the library.
build/fuzz/%_avx2.o: %_avx2.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -mavx2 -mfma -MMD -MP -c $< -o $@
build/fuzz/libedd-fuzz.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
# The targets of src/experiments' readers include its internal repro.h.
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libedd-fuzz.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc/experiments -o $@ $< build/fuzz/libedd-fuzz.a $(LDLIBS)

# $(call fuzz_run,SECONDS): each of FUZZ_TARGETS for SECONDS from its
# corpus; its executions, corpus size and findings appended to
# build/fuzz/summary.txt; fails when any target found something.
define fuzz_run
@mkdir -p build/fuzz; echo "== fuzz run of $$(date -u '+%Y-%m-%d %H:%M UTC'), $(1) s each" >>build/fuzz/summary.txt; \
fail=0; for t in $(FUZZ_TARGETS); do \
	rm -rf build/fuzz/crash/$$t; mkdir -p build/fuzz/corpus/$$t build/fuzz/crash/$$t; \
	echo "== fuzz_$$t for $(1) s"; \
	OMP_NUM_THREADS=1 build/fuzz/fuzz_$$t -max_total_time=$(1) -timeout=10 -rss_limit_mb=4096 \
		-close_fd_mask=2 -print_final_stats=1 -artifact_prefix=build/fuzz/crash/$$t/ \
		build/fuzz/corpus/$$t tests/fuzz/corpus/$$t 2>build/fuzz/$$t.log; rc=$$?; \
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' build/fuzz/$$t.log; \
	found=0; for c in build/fuzz/crash/$$t/*; do [ -f "$$c" ] || continue; found=$$((found + 1)); \
		cp "$$c" tests/fuzz/corpus/$$t/; echo "fuzz_$$t: finding kept as tests/fuzz/corpus/$$t/$$(basename $$c)"; fail=1; done; \
	[ $$rc -eq 0 ] || { echo "fuzz_$$t: exit $$rc, see build/fuzz/$$t.log"; fail=1; }; \
	echo "fuzz_$$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$$t.log) executions," \
		"$$(ls build/fuzz/corpus/$$t | wc -l) inputs in build/fuzz/corpus/$$t, $$found findings, exit $$rc" \
		>>build/fuzz/summary.txt; \
done; tail -n $$(( $(words $(FUZZ_TARGETS)) + 1 )) build/fuzz/summary.txt; exit $$fail
endef

fuzz: $(FUZZ_BIN)
	$(call fuzz_run,$(FUZZ_SECONDS))

# Not in CI: about 80 minutes with eight targets.
fuzz-long: $(FUZZ_BIN)
	$(call fuzz_run,$(FUZZ_LONG_SECONDS))

deps:
	@bash scripts/deps.sh

data:
	@bash scripts/fetch-data.sh data

reproduce:
	@$(MAKE) --no-print-directory deps data
	@$(MAKE) --no-print-directory all
	./edd reproduce --scale quick --out results --jobs 2

# PREFIX is where the files will live (it goes into edd.pc); DESTDIR, if
# set, is a staging root they are copied under, as packagers do.
LIBDIR = $(DESTDIR)$(PREFIX)/lib
PYDIR = $(LIBDIR)/python3/dist-packages
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/edd \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/edd $(PYDIR)/edd
	install -m 755 edd $(DESTDIR)$(PREFIX)/bin/edd
	install -m 644 build/libedd.a $(LIBDIR)/libedd.a
	install -m 755 $(SHLIB) $(LIBDIR)/$(notdir $(SHLIB))
	ln -sf $(notdir $(SHLIB)) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/libedd.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/edd.pc.in > $(LIBDIR)/pkgconfig/edd.pc
	install -m 644 include/edd.h $(DESTDIR)$(PREFIX)/include/edd.h
	install -m 644 include/edd/*.h $(DESTDIR)$(PREFIX)/include/edd/
	install -m 644 build/edd.1 $(DESTDIR)$(PREFIX)/share/man/man1/edd.1
	install -m 644 scripts/fetch-data.sh python/edd_model.py $(DESTDIR)$(PREFIX)/share/edd/
	install -m 644 python/edd/*.py $(PYDIR)/edd/

clean:
	rm -rf build build-san edd

-include $(LIB_OBJ:.o=.d) $(REPRO_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(MPI_OBJ:.o=.d)
-include $(SAN_LIB_OBJ:.o=.d) $(SAN_REPRO_OBJ:.o=.d) $(SAN_CLI_OBJ:.o=.d) $(SAN_TEST_OBJ:.o=.d)
-include $(FUZZ_OBJ:.o=.d)
