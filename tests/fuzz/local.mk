# tests/fuzz/local.mk - fuzz targets (one fuzz_<name>.c each, with
# fuzz_<name>.dict and a seed corpus in <name>/seeds), built two ways:
#  - replay_<name>: the target with replay.c's main(), run by every
#    'make check' over its seeds and <name>/crashes (saved reproducers,
#    if any), with or without sanitizers;
#  - fuzz_<name>: the target with libFuzzer, when configured with
#    CC=clang --enable-fuzzing; 'make fuzz-smoke' runs each one for
#    FUZZ_SECONDS on a copy of its seeds in the build tree.
FUZZ_NAMES = http_hs wsf inflate json
FUZZ_WORKER_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/worker \
	-I$(top_srcdir)/tests/fuzz $(LLHTTP_CFLAGS) $(ZLIB_CFLAGS)
FUZZ_SHARED_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz
FUZZ_SHARED_LDADD = shared/libwfshared.a

fuzz_replays = \
	tests/fuzz/replay_http_hs \
	tests/fuzz/replay_wsf \
	tests/fuzz/replay_inflate \
	tests/fuzz/replay_json
check_PROGRAMS += $(fuzz_replays)
TESTS += $(fuzz_replays)

tests_fuzz_replay_http_hs_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_http_hs.c tests/fuzz/fuzz.h
tests_fuzz_replay_http_hs_CPPFLAGS = $(FUZZ_WORKER_CPPFLAGS) \
	-DFUZZ_NAME='"http_hs"'
tests_fuzz_replay_http_hs_LDADD = $(WORKER_LDADD)
tests_fuzz_replay_wsf_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_wsf.c tests/fuzz/fuzz.h
tests_fuzz_replay_wsf_CPPFLAGS = $(FUZZ_WORKER_CPPFLAGS) -DFUZZ_NAME='"wsf"'
tests_fuzz_replay_wsf_LDADD = $(WORKER_LDADD)
tests_fuzz_replay_inflate_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_inflate.c tests/fuzz/fuzz.h
tests_fuzz_replay_inflate_CPPFLAGS = $(FUZZ_WORKER_CPPFLAGS) \
	-DFUZZ_NAME='"inflate"'
tests_fuzz_replay_inflate_LDADD = $(WORKER_LDADD)
tests_fuzz_replay_json_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_json.c tests/fuzz/fuzz.h
tests_fuzz_replay_json_CPPFLAGS = $(FUZZ_SHARED_CPPFLAGS) -DFUZZ_NAME='"json"'
tests_fuzz_replay_json_LDADD = $(FUZZ_SHARED_LDADD)

# The libFuzzer builds: defined always (so their sources are distributed),
# built only with --enable-fuzzing, by 'make check' and 'make fuzz-smoke'.
fuzz_targets = \
	tests/fuzz/fuzz_http_hs \
	tests/fuzz/fuzz_wsf \
	tests/fuzz/fuzz_inflate \
	tests/fuzz/fuzz_json
if FUZZING
check_PROGRAMS += $(fuzz_targets)
endif
tests_fuzz_fuzz_http_hs_SOURCES = tests/fuzz/fuzz_http_hs.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_http_hs_CPPFLAGS = $(FUZZ_WORKER_CPPFLAGS)
tests_fuzz_fuzz_http_hs_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_http_hs_LDADD = $(WORKER_LDADD)
tests_fuzz_fuzz_wsf_SOURCES = tests/fuzz/fuzz_wsf.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_wsf_CPPFLAGS = $(FUZZ_WORKER_CPPFLAGS)
tests_fuzz_fuzz_wsf_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_wsf_LDADD = $(WORKER_LDADD)
tests_fuzz_fuzz_inflate_SOURCES = tests/fuzz/fuzz_inflate.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_inflate_CPPFLAGS = $(FUZZ_WORKER_CPPFLAGS)
tests_fuzz_fuzz_inflate_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_inflate_LDADD = $(WORKER_LDADD)
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz_json.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_json_CPPFLAGS = $(FUZZ_SHARED_CPPFLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_json_LDADD = $(FUZZ_SHARED_LDADD)

# Dictionaries, seeds, the seed generator; saved crash reproducers
# (<name>/crashes) are picked up when present.
EXTRA_DIST += \
	tests/fuzz/README \
	tests/fuzz/mkseeds.py \
	tests/fuzz/fuzz_http_hs.dict tests/fuzz/http_hs/seeds \
	tests/fuzz/fuzz_wsf.dict tests/fuzz/wsf/seeds \
	tests/fuzz/fuzz_inflate.dict tests/fuzz/inflate/seeds \
	tests/fuzz/fuzz_json.dict tests/fuzz/json/seeds \
	$(wildcard $(srcdir)/tests/fuzz/*/crashes)

# make fuzz-smoke [FUZZ_SECONDS=60] [FUZZ_ARGS='-jobs=2 ...']
# Each target runs in tests/fuzz/run/<name>/ of the build tree: corpus/
# (the seeds and crash reproducers, plus what it finds), crash-*, leak-*
# and timeout-* files, and its log. Fails on any crash, leak, timeout or
# broken invariant.
FUZZ_SECONDS = 60
FUZZ_ARGS =
FUZZ_RUNDIR = tests/fuzz/run
if FUZZING
fuzz-smoke: $(fuzz_targets)
	@failed=""; \
	for t in $(FUZZ_NAMES); do \
	  case $$t in \
	    http_hs) len=4096;; wsf) len=4096;; inflate) len=4096;; *) len=8200;; \
	  esac; \
	  d=$(FUZZ_RUNDIR)/$$t; \
	  rm -rf $$d && $(MKDIR_P) $$d/corpus || exit 1; \
	  cp $(srcdir)/tests/fuzz/$$t/seeds/* $$d/corpus/ || exit 1; \
	  if test -d $(srcdir)/tests/fuzz/$$t/crashes; then \
	    cp $(srcdir)/tests/fuzz/$$t/crashes/* $$d/corpus/ 2>/dev/null; \
	  fi; \
	  chmod u+w $$d/corpus/*; \
	  echo "fuzz-smoke: $$t for $(FUZZ_SECONDS) s (max_len $$len)"; \
	  ASAN_OPTIONS="$${ASAN_OPTIONS:-detect_leaks=1}" \
	  tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$$len -timeout=25 -print_final_stats=1 \
	    -dict=$(srcdir)/tests/fuzz/fuzz_$$t.dict \
	    -artifact_prefix=$$d/ $(FUZZ_ARGS) $$d/corpus >$$d/log 2>&1; \
	  rc=$$?; \
	  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::new_units_added' \
	    $$d/log | sed "s|^|  $$t: |"; \
	  if test $$rc -ne 0; then \
	    echo "fuzz-smoke: $$t FAILED (exit $$rc), see $$d/log:"; \
	    grep -E -A25 '^==[0-9]+==ERROR|invariant broken|runtime error' \
	      $$d/log | head -40; \
	    ls $$d/crash-* $$d/leak-* $$d/timeout-* $$d/oom-* 2>/dev/null; \
	    failed="$$failed $$t"; \
	  fi; \
	done; \
	if test -n "$$failed"; then \
	  echo "fuzz-smoke: failed:$$failed"; exit 1; \
	fi; \
	echo "fuzz-smoke: all targets passed"
else
fuzz-smoke:
	@echo "fuzz-smoke: fuzzing is not enabled in this build." >&2; \
	echo "  It needs clang (libFuzzer); reconfigure with:" >&2; \
	echo "    CC=clang ./configure --enable-fuzzing && make fuzz-smoke" >&2; \
	echo "  (the seed corpora are replayed by 'make check' in any build)" >&2; \
	exit 1
endif
fuzz-clean:
	-rm -rf $(FUZZ_RUNDIR)
clean-local: fuzz-clean
.PHONY: fuzz-smoke fuzz-clean
